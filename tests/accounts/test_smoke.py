def test_login_page_renders(client, db):
    response = client.get("/account/login/")
    assert response.status_code == 200
    assert b"Username or email" in response.content


def test_logged_in_client_sees_account_page(logged_in_client, user):
    response = logged_in_client.get("/manage/account/")
    assert response.status_code == 200
    assert user.username.encode() in response.content

from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("manage/organizations/", views.organizations, name="list"),
    path("manage/organizations/invitations/<int:invitation_id>/", views.invitation_answer, name="invitation-answer"),
    path("manage/organizations/invitation/", views.invitation_respond, name="invitation-respond"),
    path("manage/organization/<str:name>/", views.organization_home, name="home"),
    path("manage/organization/<str:name>/people/", views.people, name="people"),
    path("manage/organization/<str:name>/people/leave/", views.leave, name="leave"),
    path("manage/organization/<str:name>/teams/", views.teams, name="teams"),
    path("manage/organization/<str:name>/teams/<int:team_id>/", views.team, name="team"),
    path("manage/organization/<str:name>/settings/", views.organization_settings, name="settings"),
    path("manage/organization/<str:name>/history/", views.history, name="history"),
]

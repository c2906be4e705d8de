import factory

from accounts.models import Email, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose password is PASSWORD, with a verified primary email.

    `UserFactory(email="a@b.c")` picks the address; `UserFactory(email__verified=False)` leaves it unverified.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def email(obj, create, extracted, verified=True, **kwargs):
        if create:
            Email.objects.create(
                user=obj, email=extracted or f"{obj.username}@example.com", primary=True, verified=verified
            )


class EmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Email

    user = factory.SubFactory(UserFactory)
    email = factory.Sequence(lambda n: f"other{n}@example.com")
    primary = False
    verified = False

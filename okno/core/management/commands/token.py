from django.core.management import BaseCommand, CommandError

from okno.accounts.models import ApiToken, User
from okno.contacts.models import IdentityKind
from okno.contacts.services import contact_find


class Command(BaseCommand):
    help = "Manage API tokens: `okno token create EMAIL` prints a new token."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create"])
        parser.add_argument("email")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, action, email, name, **options):
        email = email.strip().lower()
        user = User.objects.filter(email=email, is_active=True).first()
        if user is not None:
            _token, key = ApiToken.issue(user=user, name=name)
        else:
            contact = contact_find(IdentityKind.EMAIL, email) if "@" in email else None
            if contact is None:
                raise CommandError(f"No staff user or contact with email {email}")
            _token, key = ApiToken.issue(contact=contact, name=name)
        self.stdout.write(key)

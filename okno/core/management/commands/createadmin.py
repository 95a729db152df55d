import getpass
import os

from django.core.management import BaseCommand, CommandError

from okno.accounts.models import Role, User


class Command(BaseCommand):
    help = "Create an administrator (password from OKNO_ADMIN_PASSWORD or a prompt)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="Administrator")

    def handle(self, *args, email, name, **options):
        password = os.environ.get("OKNO_ADMIN_PASSWORD")
        if not password:
            if not os.isatty(0):
                raise CommandError("Set OKNO_ADMIN_PASSWORD or run in a terminal.")
            password = getpass.getpass("Password: ")
        if len(password) < 8:
            raise CommandError("The password must have at least 8 characters.")
        email = email.strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, name=name, role=Role.ADMIN)
            self.stdout.write(f"Created administrator {email}")
        else:
            user.role = Role.ADMIN
            user.set_password(password)
            user.save()
            self.stdout.write(f"Updated administrator {email}")

"""Print the demo accounts and what each can do (read-only)."""

from django.core.management.base import BaseCommand

from providers.demo import read_demo


class Command(BaseCommand):
    help = "List the demo accounts with their roles."

    def handle(self, *args, **options):
        data = read_demo()
        roles = {}
        for provider in data["providers"]:
            for member in provider["members"]:
                roles.setdefault(member["email"], []).append(
                    f"{member['role']} @ {provider['name_zh']}"
                )
        self.stdout.write(f"\nDemo accounts (password for all: {data['password']})")
        for user in data["users"]:
            what = roles.get(user["email"], [])
            if user.get("reviewer"):
                what.append("reviewer")
            if user.get("staff"):
                what.append("administrator (/admin/)")
            self.stdout.write(f"  {user['email']:<28} {user['name']:<6} {', '.join(what)}")
        self.stdout.write("\nPortal: http://127.0.0.1:8000\n")

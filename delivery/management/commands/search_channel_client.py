"""manage.py search_channel_client: create a channel API client and print its token once."""

from django.core.management.base import BaseCommand, CommandError

from search.errors import InvalidSearchRequest
from search.services import channel_client_create


class Command(BaseCommand):
    help = "Create a channel API client limited to markets and channels; prints its token once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--market", action="append", required=True, help="market code, e.g. US-en")
        parser.add_argument("--channel", action="append", required=True, help="channel code, e.g. email")

    def handle(self, *args, name, market, channel, **options):
        try:
            _client, token = channel_client_create(name=name, market_codes=market, channel_codes=channel)
        except InvalidSearchRequest as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Token for {name} (shown once): {token}")

"""manage.py search_channel_client: create a channel API client and print its token once.

The name is kept from when clients lived in the search app; the client can search and pull content.
"""

from django.core.management.base import BaseCommand, CommandError

from delivery.errors import InvalidDeliveryRequest
from delivery.services import channel_client_create


class Command(BaseCommand):
    help = (
        "Create a channel API client limited to markets, channels and (optionally) audiences; "
        "prints its bearer token once."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--market", action="append", required=True, help="market code, e.g. US-en")
        parser.add_argument("--channel", action="append", required=True, help="channel code, e.g. email")
        parser.add_argument(
            "--audience",
            action="append",
            default=[],
            help="audience code, e.g. hcp (default: every audience)",
        )
        parser.add_argument("--label", default="default", help="token label, e.g. production")

    def handle(self, *args, name, market, channel, audience, label, **options):
        try:
            _client, token = channel_client_create(
                name=name,
                market_codes=market,
                channel_codes=channel,
                audience_codes=audience,
                token_label=label,
            )
        except InvalidDeliveryRequest as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Token for {name} (shown once): {token}")

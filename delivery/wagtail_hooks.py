"""Admin under Settings: channel clients (tokens shown once), webhooks, the delivery log and pull report."""

from django import forms
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from delivery import admin_urls, services
from delivery.admin_views import remember_new_token
from delivery.errors import InvalidDeliveryRequest
from delivery.models import ChannelClient, FeedEvent, WebhookDelivery, WebhookSubscription


class ServiceCreateView(generic.CreateView):
    """Creation goes through the service; its typed errors become form errors."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except InvalidDeliveryRequest as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
            return self.form_invalid(form)


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Nobody adds, edits, copies or deletes these by hand, superusers included: the system makes them.

    Wagtail then shows no Add, Edit or Delete button; the viewset also drops those URLs (a refused
    admin view only redirects to the dashboard, so a 404 is the clearer answer).
    """

    REFUSED = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.REFUSED and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a not in self.REFUSED])


# The delivery log is evidence of what was sent: it is read and redelivered, never edited.
register_permission_policy(WebhookDelivery, ReadOnlyPermissionPolicy(WebhookDelivery))


class ChannelClientCreateView(ServiceCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        client, raw = services.channel_client_create(
            name=data["name"],
            market_codes=[m.code for m in data["markets"]],
            channel_codes=[c.code for c in data["channels"]],
            audience_codes=[a.code for a in data["audiences"]],
            actor=self.request.user,
        )
        if not data["active"]:
            ChannelClient.objects.filter(pk=client.pk).update(active=False)
        remember_new_token(self.request, client, raw)
        return client

    def get_success_url(self):
        return reverse("delivery_admin:tokens", args=[self.object.pk])


class ChannelClientViewSet(ModelViewSet):
    model = ChannelClient
    icon = "key"
    menu_label = "Channel clients"
    add_to_settings_menu = True
    form_fields = ["name", "markets", "channels", "audiences", "active"]
    add_view_class = ChannelClientCreateView
    list_display = [
        "name",
        "active",
        "created_at",
        TitleColumn(
            "tokens",
            label="Tokens",
            accessor=lambda client: "Tokens",
            get_url=lambda client: reverse("delivery_admin:tokens", args=[client.pk]),
        ),
    ]


class WebhookSubscriptionForm(WagtailAdminModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https", help_text="https:// (http only with DEBUG).")
    events = forms.MultipleChoiceField(choices=FeedEvent.KINDS, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookSubscription
        fields = ["client", "url", "events", "active"]


class WebhookCreateView(ServiceCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        subscription = services.webhook_subscription_create(
            client=data["client"], url=data["url"], events=data["events"], actor=self.request.user
        )
        if not data["active"]:
            WebhookSubscription.objects.filter(pk=subscription.pk).update(active=False)
        return subscription

    def get_success_message(self, instance):
        return f"Webhook created. Its signing secret is on its inspect page: {instance.secret}"


class WebhookSubscriptionViewSet(ModelViewSet):
    model = WebhookSubscription
    icon = "link-external"
    menu_label = "Channel webhooks"
    add_to_settings_menu = True

    def get_form_class(self, for_update=False):
        return WebhookSubscriptionForm

    add_view_class = WebhookCreateView
    inspect_view_enabled = True
    inspect_view_fields = ["client", "url", "events", "secret", "active", "created_at"]
    list_display = ["url", "client", "events", "active"]


class WebhookDeliveryViewSet(ModelViewSet):
    """The delivery log: read-only, with a redeliver button on each row."""

    model = WebhookDelivery
    icon = "list-ul"
    menu_label = "Webhook deliveries"
    add_to_settings_menu = True
    copy_view_enabled = False
    exclude_form_fields = [  # no form is ever shown (see ReadOnlyPermissionPolicy); Wagtail wants a list
        "subscription",
        "event",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
    ]
    list_filter = ["status"]
    list_display = [
        Column("event", label="Event"),
        Column("subscription", label="Webhook"),
        "status",
        "attempts",
        "last_status_code",
        Column("last_error", label="Last error"),
        "next_attempt_at",
        TitleColumn(
            "redeliver",
            label="",
            accessor=lambda d: "Redeliver…",
            get_url=lambda d: reverse("delivery_admin:webhook_redeliver_confirm", args=[d.pk]),
        ),
    ]
    inspect_view_enabled = True

    def get_urlpatterns(self):
        return [url for url in super().get_urlpatterns() if url.name not in {"add", "edit", "delete"}]


channel_client_viewset = ChannelClientViewSet("delivery_channelclient")
webhook_viewset = WebhookSubscriptionViewSet("delivery_webhooksubscription")
webhook_delivery_viewset = WebhookDeliveryViewSet("delivery_webhookdelivery")


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [channel_client_viewset, webhook_viewset, webhook_delivery_viewset]


@hooks.register("register_admin_urls")
def register_delivery_urls():
    return [path("delivery/", include((admin_urls, "delivery_admin"), namespace="delivery_admin"))]


@hooks.register("register_settings_menu_item")
def register_pull_report_menu_item():
    return MenuItem("Channel pulls", reverse("delivery_admin:pull_report"), icon_name="doc-full", order=910)

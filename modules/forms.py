"""Admin forms that add the domain's rules to Wagtail's model forms."""

from wagtail.admin.forms import WagtailAdminModelForm


def kept_forms(formset):
    """The inline forms whose objects will be saved: valid, not deleted, not left blank."""
    for form in formset.forms:
        if not form.is_valid() or formset._should_delete_form(form):
            continue
        if form.instance.pk is None and not form.has_changed():
            continue
        yield form


class ReviewableContentForm(WagtailAdminModelForm):
    """Checks placements on every save, and what must hold before submitting or publishing.

    Draft saves run with Wagtail's deferred validation, so the submission rules wait until then.
    """

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or self.errors:
            return
        self.check_placements()
        if not self.is_deferred_validation:
            for message in self.instance.submission_errors(self.kept_children()):
                self.add_error(None, message)

    def kept_children(self) -> dict[str, list]:
        return {
            name: [form.instance for form in kept_forms(formset)] for name, formset in self.formsets.items()
        }

    def check_placements(self):
        formset = self.formsets.get("placements")
        if formset is None or not hasattr(self.instance, "placement_errors"):
            return
        for form in kept_forms(formset):
            for message in self.instance.placement_errors(form.instance):
                form.add_error("module", message)

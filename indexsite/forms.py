"""How every form on the site renders: one error summary at the top, each field's
errors beside it and linked to its input by aria-describedby."""

from django.forms import BaseForm, BoundField
from django.forms.renderers import TemplatesSetting


class SiteBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and self.auto_id:
            described = [f"{self.auto_id}_error"]
            if attrs.get("aria-describedby"):
                described.append(attrs["aria-describedby"])
            elif self.help_text and not self.use_fieldset:
                described.append(f"{self.auto_id}_helptext")
            attrs["aria-describedby"] = " ".join(described)
            attrs["aria-invalid"] = "true"
        return attrs


class SiteFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = SiteBoundField


def context_has_form_errors(context):
    """True when a form in the template's context has errors (the page title then starts with "Error:")."""
    return any(isinstance(value, BaseForm) and value.is_bound and value.errors for value in context.flatten().values())

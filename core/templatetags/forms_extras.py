from django import forms, template

register = template.Library()


@register.filter
def error_anchor(field: forms.BoundField) -> str:
    """Where an error-summary link should take the user: the first radio or
    checkbox of a group (crispy-forms-gds numbers them from 1), else the field."""
    if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{field.auto_id}_1"
    return str(field.auto_id)

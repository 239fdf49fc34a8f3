from customers.models import Customer


def find_or_create_customer(*, name: str, phone: str, email: str) -> Customer:
    """The customer with exactly these normalised details, created if there is none.

    For staff, who identify the person: a booking never changes an existing record, and
    identical details reuse one. Callers hold the booking transaction.
    """
    customer = Customer.objects.filter(email=email, phone=phone, name=name).order_by("pk").first()
    if customer is None:
        customer = Customer.objects.create(name=name, phone=phone, email=email)
    return customer


def update_customer(*, customer: Customer, name: str, phone: str, email: str) -> Customer:
    """Correct a customer's details (already normalised by the form). Audited by auditlog.
    A new email address is not confirmed until its holder shows it (see confirm_email)."""
    if email != customer.email:
        customer.email_confirmed_at = None
    customer.name, customer.phone, customer.email = name, phone, email
    customer.save()
    return customer


def confirm_email(*, customer: Customer, email: str) -> bool:
    """The person showed they hold `email` (a link sent there was used): if it is still the
    record's address, the record's address counts as confirmed. Whether it did."""
    from django.utils import timezone

    if not customer.email or customer.email != email:
        return False
    if customer.email_confirmed_at is None:
        customer.email_confirmed_at = timezone.now()
        customer.save(update_fields=["email_confirmed_at", "updated_at"])
    return True


def create_customer(*, name: str, phone: str, email: str) -> Customer:
    """A customer staff add by hand (details already normalised by the form). Audited."""
    return Customer.objects.create(name=name, phone=phone, email=email)

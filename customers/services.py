from customers.models import Customer


def find_or_create_customer(*, name: str, phone: str, email: str) -> Customer:
    """The customer with exactly these normalised details, created if there is none.

    A booking never changes an existing customer: someone typing another person's email must
    not be able to rename them. Identical details reuse one record, so one person is one row.
    Callers hold the booking transaction.
    """
    customer = Customer.objects.filter(email=email, phone=phone, name=name).order_by("pk").first()
    if customer is None:
        customer = Customer.objects.create(name=name, phone=phone, email=email)
    return customer


def update_customer(*, customer: Customer, name: str, phone: str, email: str) -> Customer:
    """Correct a customer's details (already normalised by the form). Audited by auditlog."""
    customer.name, customer.phone, customer.email = name, phone, email
    customer.save()
    return customer

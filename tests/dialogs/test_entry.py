"""Entry paths: deep links, consent, plain /start and /menu, helpdesk switches."""

from __future__ import annotations

from models import HelpdeskRequest, Subscriber
from models.enums import Channel, RequestStatus
from services import catalog, requests
from services.projects import create_project, update_project
from tests.dialogs.conftest import CHAT_ID

LINKS = requests.BotLinks(telegram="helpdesk_bot")


async def new_request(project, **kwargs) -> str:
    created = await requests.create_request(project, LINKS, **kwargs)
    return created["request_id"]


async def test_deep_link_consent_subscribe_opens_menu(customer, project):
    request_id = await new_request(project)
    await customer.send(f"/start hdreq_{request_id}")
    assert "Acme Support" in customer.text() and "We help with Acme" in customer.text()
    assert customer.buttons() == ["✅ Subscribe", "Cancel"]

    await customer.click("✅ Subscribe")
    assert "Acme Support — helpdesk" in customer.text()
    assert customer.buttons() == ["📝 New ticket", "📂 My tickets (0)", "🔕 Unsubscribe"]
    status = await requests.request_status(project, request_id)
    subscriber = await Subscriber.get(project_id=project.id, chat_id=CHAT_ID)
    assert status == {
        "status": "accepted",
        "subscriber_id": str(subscriber.id),
        "channel": "telegram",
    }
    assert (subscriber.first_name, subscriber.username, subscriber.language_code) == (
        "Ann",
        "ann",
        "en",
    )
    assert subscriber.channel == Channel.TELEGRAM


async def test_deep_link_cancel_marks_request_cancelled(customer, project):
    request_id = await new_request(project)
    await customer.send(f"/start hdreq_{request_id}")
    await customer.click("Cancel")
    assert "nothing was shared" in customer.text()
    assert customer.buttons() == []
    assert (await HelpdeskRequest.get(id=request_id)).status == RequestStatus.CANCELLED
    assert not await Subscriber.exists(project_id=project.id)


async def test_expired_link_says_so(customer, project, frozen_clock):
    request_id = await new_request(project)
    frozen_clock.advance(minutes=16)
    await customer.send(f"/start hdreq_{request_id}")
    assert "expired" in customer.text()
    assert customer.buttons() == []


async def test_unknown_link_for_subscriber_shows_menu_with_notice(customer, project):
    await customer.send(f"/start help_{project.slug}")
    await customer.click("✅ Subscribe")
    await customer.send("/start hdreq_doesnotexist0000")
    assert "expired" in customer.text() and "Acme Support — helpdesk" in customer.text()
    assert "📝 New ticket" in customer.buttons()


async def test_second_tap_on_accepted_link_says_already_used(customer, project):
    request_id = await new_request(project)
    await customer.send(f"/start hdreq_{request_id}")
    await customer.click("✅ Subscribe")
    await customer.send(f"/start hdreq_{request_id}")
    assert "already used" in customer.text()
    assert "Acme Support — helpdesk" in customer.text()


async def test_subscribed_customer_goes_straight_to_menu_and_request_is_accepted(customer, project):
    await customer.send(f"/start help_{project.slug}")
    await customer.click("✅ Subscribe")
    request_id = await new_request(project)
    await customer.send(f"/start hdreq_{request_id}")
    assert "Acme Support — helpdesk" in customer.text()
    assert "Subscribe" not in " ".join(customer.buttons())
    status = await requests.request_status(project, request_id)
    assert status["status"] == "accepted" and status["channel"] == "telegram"


async def test_request_type_is_preselected(customer, project):
    await catalog.create_ticket_type(project, name="Billing")
    shipping = await catalog.create_ticket_type(project, name="Shipping")
    request_id = await new_request(project, ticket_type_id=shipping.id)
    await customer.send(f"/start hdreq_{request_id}")
    await customer.click("✅ Subscribe")
    await customer.click("📝 New ticket")
    assert "Describe the problem" in customer.text()  # the type picker was skipped
    await customer.send("Parcel is late")
    await customer.click("📨 Send")
    assert "Type: Shipping" in customer.text()


async def test_help_link_consent_then_menu(customer, project):
    await customer.send(f"/start help_{project.slug}")
    assert "Subscribe to get help from Acme Support" in customer.text()
    await customer.click("✅ Subscribe")
    assert "Acme Support — helpdesk" in customer.text()
    assert await Subscriber.exists(project_id=project.id, chat_id=CHAT_ID)


async def test_unknown_help_link(customer, project):
    await customer.send("/start help_nope")
    assert "not valid" in customer.text()


async def test_plain_start_with_the_only_project_asks_consent(customer, project):
    await customer.send("/start")
    assert customer.buttons() == ["✅ Subscribe", "Cancel"]


async def test_plain_start_without_projects(customer, db):
    await customer.send("/start")
    assert "no helpdesk for you" in customer.text()


async def test_menu_command_and_project_picker(customer, project):
    other, _ = await create_project(name="Other Shop")
    for p in (project, other):
        await customer.send(f"/start help_{p.slug}")
        await customer.click("✅ Subscribe")
    await customer.send("/menu")
    assert "Choose a helpdesk" in customer.text()
    assert customer.buttons() == ["Acme Support", "Other Shop"]
    await customer.click("Other Shop")
    assert "Other Shop — helpdesk" in customer.text()


async def test_helpdesk_disabled(customer, project):
    await update_project(project.id, helpdesk_enabled=False)
    await customer.send(f"/start help_{project.slug}")
    assert "not available right now" in customer.text()
    request_id = await new_request_enabled_then_disable(project)
    await customer.send(f"/start hdreq_{request_id}")
    assert "not available right now" in customer.text()


async def new_request_enabled_then_disable(project) -> str:
    await update_project(project.id, helpdesk_enabled=True)
    request_id = await new_request(project)
    await update_project(project.id, helpdesk_enabled=False)
    return request_id


async def test_allow_create_false_hides_new_ticket(customer, project):
    await update_project(project.id, helpdesk_allow_create=False)
    await customer.send(f"/start help_{project.slug}")
    await customer.click("✅ Subscribe")
    assert "📝 New ticket" not in customer.buttons()
    assert "cannot be opened here" in customer.text()


async def test_unsubscribe_then_start_asks_consent_again(customer, project):
    await customer.send(f"/start help_{project.slug}")
    await customer.click("✅ Subscribe")
    await customer.click("🔕 Unsubscribe")
    assert "stop getting messages" in customer.text()
    await customer.click("Yes, unsubscribe")
    assert "You unsubscribed from Acme Support" in customer.text()
    assert (await Subscriber.get(chat_id=CHAT_ID)).blocked
    await customer.send("/start")
    assert customer.buttons() == ["✅ Subscribe", "Cancel"]
    await customer.click("✅ Subscribe")
    assert not (await Subscriber.get(chat_id=CHAT_ID)).blocked

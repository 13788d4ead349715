import pytest
from pydantic import ValidationError

import cxsidebar.core as core
from cxsidebar.core import EventType, clean_text, decode_event

PUBLIC = {
    "SCHEMA_VERSION",
    "NO_SUMMARY",
    "GroupBy",
    "PartMeans",
    "ProblemCount",
    "QualityReport",
    "RatedContext",
    "RatingListItem",
    "RatingPage",
    "ReportFilters",
    "ReportRow",
    "BotInfo",
    "ClaimInfo",
    "ConnectionState",
    "CustomerRef",
    "ErrorDetail",
    "ErrorEnvelope",
    "ErrorInfo",
    "Escalation",
    "EscalationAccepted",
    "EscalationContext",
    "EscalationStatus",
    "EventType",
    "HistoryItem",
    "HubEvent",
    "Identity",
    "Outcome",
    "Problem",
    "Profile",
    "QueueItem",
    "Rating",
    "RatingBatch",
    "RatingBatchResult",
    "RatingParts",
    "RatingResult",
    "Reason",
    "ReasonKind",
    "Repeated",
    "ResyncInfo",
    "Speaker",
    "Statement",
    "Summary",
    "SummaryProgress",
    "SummaryProvenance",
    "SummaryState",
    "SyncState",
    "Turn",
    "UpdatedInfo",
    "clean_text",
    "decode_event",
}


def test_public_surface_is_pinned():
    assert set(core.__all__) == PUBLIC


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain", "plain"),
        ("bell\x07 and nul\x00 go", "bell and nul go"),
        ("c1\x85\x9b gone", "c1 gone"),
        ("keep\ttab\nand newline", "keep\ttab\nand newline"),
        ("windows\r\nline", "windows\nline"),
        ("evil\u202eexe.txt", "evil[RLO]exe.txt"),
        ("<b>html</b> stays literal", "<b>html</b> stays literal"),
        (None, ""),
    ],
)
def test_clean_text(raw, shown):
    assert clean_text(raw) == shown


def test_clean_text_single_line():
    assert clean_text("a\n\n b\tc", single_line=True) == "a b c"


def test_decode_event_by_type():
    event = decode_event(
        7,
        "escalation.created",
        '{"escalation_id":"e1","queue":"billing","channel":"chat",'
        '"customer_display_name":"Ana","reasons":[{"kind":"keyword","detail":"complaint"}],'
        '"created_at":"2026-11-26T10:00:00Z"}',
    )
    assert event.id == 7
    assert event.type is EventType.CREATED
    assert event.data.customer_display_name == "Ana"


def test_decode_event_rejects_unknown_type():
    with pytest.raises(ValueError, match="unknown event type"):
        decode_event(1, "escalation.exploded", "{}")


def test_escalation_keeps_unknown_fields_and_names_bad_ones():
    body = {
        "id": "e1",
        "queue": "q",
        "channel": "chat",
        "created_at": "2026-11-26T10:00:00Z",
        "bot": {"platform": "rasa", "flow": "billing"},
        "customer": {"id": "c1", "display_name": "Ana", "loyalty_points": 120},
        "transcript": [
            {"id": "t1", "at": "2026-11-26T09:59:00Z", "speaker": "robot", "text": "hi"}
        ],
        "x_vendor": {"a": 1},
    }
    with pytest.raises(ValidationError) as info:
        core.Escalation.model_validate(body)
    assert info.value.errors()[0]["loc"] == ("transcript", 0, "speaker")
    body["transcript"][0]["speaker"] = "bot"
    esc = core.Escalation.model_validate(body)
    assert esc.model_extra == {"x_vendor": {"a": 1}}
    assert esc.customer.model_extra == {"loyalty_points": 120}

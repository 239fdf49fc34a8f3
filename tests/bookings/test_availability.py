"""The pure slot computation: examples first, then properties with hypothesis."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.availability import Rules, Schedule, bookable_window, free_slots, practitioner_slots

TZ = ZoneInfo("Europe/Helsinki")
MONDAY = date(2027, 3, 1)
NOW = datetime(2027, 2, 26, 12, 0, tzinfo=TZ)  # the Friday before
WEEKDAY_HOURS = {d: [(time(8), time(11, 30)), (time(12), time(16))] for d in range(5)}
HALF_HOUR = Rules(duration=timedelta(minutes=30), step=timedelta(minutes=15))


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def starts(pairs) -> list[str]:
    return [s.astimezone(TZ).strftime("%H:%M") for s, _ in pairs]


def test_slots_follow_the_step_inside_each_working_interval():
    schedule = Schedule(1, {0: [(time(8), time(9, 30))]})
    slots = practitioner_slots(schedule, rules=HALF_HOUR, first_day=MONDAY, last_day=MONDAY, now=NOW, tz=TZ)
    assert starts(slots) == ["08:00", "08:15", "08:30", "08:45", "09:00"]


def test_lunch_break_splits_the_day():
    schedule = Schedule(1, WEEKDAY_HOURS)
    slots = starts(
        practitioner_slots(schedule, rules=HALF_HOUR, first_day=MONDAY, last_day=MONDAY, now=NOW, tz=TZ)
    )
    assert "11:00" in slots
    assert "11:15" not in slots  # would run into the lunch break
    assert "11:30" not in slots
    assert slots[slots.index("11:00") + 1] == "12:00"


def test_existing_appointment_blocks_overlapping_slots_including_buffers():
    rules = Rules(
        duration=timedelta(minutes=30),
        step=timedelta(minutes=15),
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=15),
    )
    busy = [(local(MONDAY, 10), local(MONDAY, 10, 30))]
    schedule = Schedule(1, {0: [(time(9), time(12))]}, busy=busy)
    slots = starts(
        practitioner_slots(schedule, rules=rules, first_day=MONDAY, last_day=MONDAY, now=NOW, tz=TZ)
    )
    # 09:15 + 30 min + 15 min buffer ends at 10:00 exactly: allowed. 09:30 would reach 10:15.
    assert "09:15" in slots
    assert "09:30" not in slots
    assert "10:30" not in slots  # its buffer before starts at 10:15
    assert "10:45" in slots


def test_closures_and_holidays_close_the_time():
    closed = [(local(MONDAY, 8), local(MONDAY, 12))]
    schedule = Schedule(1, WEEKDAY_HOURS, closed=closed)
    monday = starts(
        practitioner_slots(schedule, rules=HALF_HOUR, first_day=MONDAY, last_day=MONDAY, now=NOW, tz=TZ)
    )
    assert monday[0] == "12:00"
    tuesday = MONDAY + timedelta(days=1)
    none = practitioner_slots(
        schedule, rules=HALF_HOUR, first_day=tuesday, last_day=tuesday, now=NOW, tz=TZ, closed_days={tuesday}
    )
    assert none == []


def test_no_slot_today_or_inside_the_minimum_notice():
    rules = Rules(duration=timedelta(minutes=30), step=timedelta(minutes=15), min_notice=timedelta(hours=26))
    now = local(MONDAY, 9)
    schedule = Schedule(1, WEEKDAY_HOURS)
    slots = practitioner_slots(
        schedule, rules=rules, first_day=MONDAY, last_day=MONDAY + timedelta(days=1), now=now, tz=TZ
    )
    assert slots, "Tuesday afternoon is bookable"
    assert all(s >= now + timedelta(hours=26) for s, _ in slots)
    assert starts(slots)[0] == "11:00"


def test_same_day_is_never_offered_even_without_notice():
    schedule = Schedule(1, WEEKDAY_HOURS)
    now = local(MONDAY, 7)
    slots = practitioner_slots(schedule, rules=HALF_HOUR, first_day=MONDAY, last_day=MONDAY, now=now, tz=TZ)
    assert slots == []


def test_nothing_past_the_booking_horizon():
    rules = Rules(duration=timedelta(minutes=30), step=timedelta(minutes=15), max_days_ahead=3)
    schedule = Schedule(1, WEEKDAY_HOURS)
    slots = practitioner_slots(
        schedule, rules=rules, first_day=MONDAY, last_day=MONDAY + timedelta(days=13), now=NOW, tz=TZ
    )
    assert max(s.astimezone(TZ).date() for s, _ in slots) == NOW.date() + timedelta(days=3)


def test_any_practitioner_lists_who_is_free_at_each_time():
    a = Schedule(1, {0: [(time(9), time(10))]}, busy=[(local(MONDAY, 9), local(MONDAY, 9, 30))])
    b = Schedule(2, {0: [(time(9), time(10))]})
    slots = free_slots([a, b], rules=HALF_HOUR, first_day=MONDAY, last_day=MONDAY, now=NOW, tz=TZ)
    assert [(s.start.astimezone(TZ).strftime("%H:%M"), s.practitioner_ids) for s in slots] == [
        ("09:00", (2,)),
        ("09:15", (2,)),
        ("09:30", (1, 2)),
    ]


def test_spring_forward_keeps_local_opening_times_and_real_durations():
    # 2027-03-28 (Sunday): clocks go from 03:00 to 04:00 in Helsinki.
    day = date(2027, 3, 28)
    schedule = Schedule(1, {6: [(time(2), time(5)), (time(9), time(10))]})
    rules = Rules(duration=timedelta(minutes=30), step=timedelta(minutes=30))
    slots = practitioner_slots(schedule, rules=rules, first_day=day, last_day=day, now=NOW, tz=TZ)
    assert starts(slots) == ["02:00", "02:30", "04:00", "04:30", "09:00", "09:30"]
    assert all(e - s == timedelta(minutes=30) for s, e in slots)
    nine = [s for s, _ in slots if s.astimezone(TZ).hour == 9][0]
    assert nine.utcoffset() == timedelta(0) and nine.hour == 6  # 09:00 EEST is 06:00 UTC


def test_fall_back_keeps_local_opening_times():
    # 2027-10-31 (Sunday): clocks go from 04:00 back to 03:00.
    day = date(2027, 10, 31)
    schedule = Schedule(1, {6: [(time(9), time(10))]})
    now = datetime(2027, 10, 1, tzinfo=TZ)
    slots = practitioner_slots(schedule, rules=HALF_HOUR, first_day=day, last_day=day, now=now, tz=TZ)
    assert starts(slots) == ["09:00", "09:15", "09:30"]
    assert slots[0][0] == datetime(2027, 10, 31, 7, 0, tzinfo=UTC)  # 09:00 EET is 07:00 UTC


def test_window_starts_tomorrow_at_the_earliest():
    earliest, last_day = bookable_window(now=local(MONDAY, 15), rules=HALF_HOUR, tz=TZ)
    assert earliest == local(MONDAY + timedelta(days=1), 0)
    assert last_day == MONDAY + timedelta(days=90)


# Properties ------------------------------------------------------------------------------------

minutes = st.integers(min_value=0, max_value=24 * 60 - 1)


@st.composite
def schedules(draw):
    hours = {}
    for weekday in range(7):
        intervals = []
        for _ in range(draw(st.integers(0, 3))):
            a, b = sorted(draw(st.tuples(minutes, minutes)))
            if a != b:
                intervals.append((time(a // 60, a % 60), time(b // 60, b % 60)))
        hours[weekday] = intervals
    base = datetime.combine(draw(st.sampled_from(DAYS)), time(0), tzinfo=TZ)
    busy = []
    for _ in range(draw(st.integers(0, 8))):
        offset = draw(st.integers(-24 * 60, 8 * 24 * 60))
        length = draw(st.integers(5, 300))
        # Real instants (the database keeps UTC): wall-clock arithmetic would make, across the
        # spring change, a busy hour like 03:00–04:00 that does not exist and lasts no time.
        start = base.astimezone(UTC) + timedelta(minutes=offset)
        busy.append((start.astimezone(TZ), (start + timedelta(minutes=length)).astimezone(TZ)))
    return Schedule(1, hours, busy=busy)


# A spread of days, DST changes included (2027-03-28 and 2027-10-31).
DAYS = [date(2027, 3, 26), date(2027, 3, 28), date(2027, 6, 14), date(2027, 10, 29), date(2027, 10, 31)]

rule_sets = st.builds(
    Rules,
    duration=st.sampled_from([timedelta(minutes=m) for m in (10, 15, 30, 45, 60, 90)]),
    step=st.sampled_from([timedelta(minutes=m) for m in (5, 10, 15, 20, 30, 60)]),
    buffer_before=st.sampled_from([timedelta(minutes=m) for m in (0, 5, 15)]),
    buffer_after=st.sampled_from([timedelta(minutes=m) for m in (0, 10, 30)]),
    min_notice=st.sampled_from([timedelta(minutes=m) for m in (0, 60, 60 * 30)]),
    max_days_ahead=st.integers(1, 10),
)


def _case(draw_schedule, rules, first, now_offset_hours):
    now = datetime.combine(first, time(12), tzinfo=TZ) - timedelta(hours=now_offset_hours)
    last = first + timedelta(days=3)
    slots = practitioner_slots(draw_schedule, rules=rules, first_day=first, last_day=last, now=now, tz=TZ)
    return now, last, slots


@settings(max_examples=300, deadline=None)
@given(schedules(), rule_sets, st.sampled_from(DAYS), st.integers(0, 72))
def test_property_no_slot_overlaps_busy_time_buffers_included(schedule, rules, first, ago):
    _, _, slots = _case(schedule, rules, first, ago)
    for start, end in slots:
        occupied = (start - rules.buffer_before, end + rules.buffer_after)
        for busy_start, busy_end in schedule.busy:
            assert not (occupied[0] < busy_end and busy_start < occupied[1])


def earliest_instant(day: date, wall: time) -> datetime:
    """A local wall time as an instant; inside a DST gap or overlap, the earlier reading."""
    return min(datetime.combine(day, wall, tzinfo=TZ).replace(fold=f).astimezone(UTC) for f in (0, 1))


@settings(max_examples=300, deadline=None)
@given(schedules(), rule_sets, st.sampled_from(DAYS), st.integers(0, 72))
def test_property_every_slot_lies_inside_working_hours(schedule, rules, first, ago):
    _, _, slots = _case(schedule, rules, first, ago)
    for start, end in slots:
        assert end - start == rules.duration
        day = start.astimezone(TZ).date()
        assert any(
            earliest_instant(day, open_at) <= start and end <= earliest_instant(day, close_at)
            for open_at, close_at in schedule.hours.get(day.weekday(), [])
        ), (start, schedule.hours.get(day.weekday()))


@settings(max_examples=300, deadline=None)
@given(schedules(), rule_sets, st.sampled_from(DAYS), st.integers(0, 72))
def test_property_nothing_before_notice_today_or_past_the_horizon(schedule, rules, first, ago):
    now, _, slots = _case(schedule, rules, first, ago)
    today = now.astimezone(TZ).date()
    for start, _ in slots:
        assert start >= now.astimezone(UTC) + rules.min_notice  # real time, not wall-clock arithmetic
        assert start.astimezone(TZ).date() > today
        assert start.astimezone(TZ).date() <= today + timedelta(days=rules.max_days_ahead)


@settings(max_examples=300, deadline=None)
@given(schedules(), rule_sets, st.sampled_from(DAYS), st.integers(0, 72))
def test_property_slots_sit_on_the_local_wall_clock_grid(schedule, rules, first, ago):
    _, _, slots = _case(schedule, rules, first, ago)
    step = int(rules.step.total_seconds() // 60)
    for start, _ in slots:
        local_start = start.astimezone(TZ)
        wall = local_start.hour * 60 + local_start.minute
        opens = [o.hour * 60 + o.minute for o, _ in schedule.hours.get(local_start.weekday(), [])]
        assert any(wall >= o and (wall - o) % step == 0 for o in opens)
        # Round trip: the local time shown is the instant booked (no DST gap times).
        assert datetime.combine(local_start.date(), local_start.time(), tzinfo=TZ).astimezone(UTC) == start

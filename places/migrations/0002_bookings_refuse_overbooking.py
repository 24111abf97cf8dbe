"""The database refuses an overbooking, even from raw SQL (places/models.py, Booking).

A booking occupies `[start, blocks_until)` (its end plus the resource's buffer) of its resource:
`seats` of a shared resource (an open space's desks), the whole of any other (a meeting room for
8 booked for 6 people is taken); every status but `cancelled` occupies. Refused, whoever writes the row:

- more seats taken at any instant than the resource's capacity;
- any overlap with a booking of an ancestor or a descendant of the resource (booking the whole
  room takes its desks, and the reverse).

PostgreSQL: an exclusion constraint (btree_gist) keeps the bookings that take a whole resource
(`exclusive`: capacity 1, or every seat) from overlapping, waiting on an uncommitted twin as a
unique index does; and a row trigger, after each insert or each update that could take more
(another resource, an earlier start, a later end, more seats, a cancelled booking made active),
locks the root of the resource's family (FOR NO KEY UPDATE, the same lock places.locks takes on
the whole family in id order, root included) and then counts. In READ COMMITTED each statement of
the plpgsql function sees what committed before it: after the lock, the count sees every booking
of the family that committed before, and the next writer of the family waits for this one to
commit. (Under REPEATABLE READ or SERIALIZABLE the count could miss a twin; the platform runs in
READ COMMITTED.) The refusal is SQLSTATE 23P01 (exclusion_violation): an IntegrityError, which the
service answers as slot_unavailable.

SQLite serialises writers: BEFORE INSERT / UPDATE triggers count the same and RAISE(ABORT). SQLite
has no WITH inside a trigger, so the family is followed three levels up and three down (a place,
a room, its desks: two are used).
"""

from django.db import migrations

POSTGRESQL = r"""
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE places_booking ADD CONSTRAINT booking_exclusive_no_overlap
    EXCLUDE USING gist (resource_id WITH =, tstzrange(start, blocks_until, '[)') WITH &&)
    WHERE (exclusive AND status <> 'cancelled');

CREATE FUNCTION places_check_booking_seats() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    root bigint;
    cap bigint;
    is_shared boolean;
    peak bigint;
    clash bigint;
BEGIN
    IF NEW.status = 'cancelled' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status <> 'cancelled' AND NEW.resource_id = OLD.resource_id
       AND NEW.start >= OLD.start AND NEW.blocks_until <= OLD.blocks_until AND NEW.seats <= OLD.seats THEN
        RETURN NULL;  -- takes nothing more than it took (a status moving on, a check-in)
    END IF;

    -- The family's writers queue on its root, as the service's locks do.
    WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT r.id, r.parent_id, 0 FROM places_resource r WHERE r.id = NEW.resource_id
        UNION ALL
        SELECT r.id, r.parent_id, up.depth + 1 FROM places_resource r JOIN up ON r.id = up.parent_id
            WHERE up.depth < 32
    )
    SELECT up.id INTO root FROM up ORDER BY up.depth DESC LIMIT 1;
    PERFORM 1 FROM places_resource WHERE id = root FOR NO KEY UPDATE;

    -- Seats: the most taken at once, at the start or at the start of a booking inside the interval.
    -- A resource not shared (a meeting room) is taken whole by each booking, whatever its seats.
    SELECT capacity, shared INTO cap, is_shared FROM places_resource WHERE id = NEW.resource_id;
    SELECT max(taken) INTO peak FROM (
        SELECT (SELECT coalesce(sum(CASE WHEN is_shared THEN b.seats ELSE cap END), 0) FROM places_booking b
                 WHERE b.resource_id = NEW.resource_id AND b.status <> 'cancelled'
                   AND b.start <= p.at AND b.blocks_until > p.at) AS taken
        FROM (SELECT NEW.start AS at
              UNION
              SELECT b.start FROM places_booking b
               WHERE b.resource_id = NEW.resource_id AND b.status <> 'cancelled'
                 AND b.start > NEW.start AND b.start < NEW.blocks_until) AS p
    ) AS counted;
    IF peak > cap THEN
        RAISE EXCEPTION 'overbooking: % seats of resource % taken at once from %, its capacity is %',
            peak, NEW.resource_id, NEW.start, cap USING ERRCODE = '23P01';
    END IF;

    -- The family: a booking of an ancestor or a descendant takes the whole resource.
    WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT r.id, r.parent_id, 0 FROM places_resource r WHERE r.id = NEW.resource_id
        UNION ALL
        SELECT r.id, r.parent_id, up.depth + 1 FROM places_resource r JOIN up ON r.id = up.parent_id
            WHERE up.depth < 32
    ), down(id, depth) AS (
        SELECT r.id, 1 FROM places_resource r WHERE r.parent_id = NEW.resource_id
        UNION ALL
        SELECT r.id, down.depth + 1 FROM places_resource r JOIN down ON r.parent_id = down.id
            WHERE down.depth < 32
    )
    SELECT b.id INTO clash FROM places_booking b
     WHERE b.status <> 'cancelled' AND b.start < NEW.blocks_until AND b.blocks_until > NEW.start
       AND b.resource_id <> NEW.resource_id
       AND b.resource_id IN (SELECT up.id FROM up UNION SELECT down.id FROM down)
     LIMIT 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'overbooking: resource % from % overlaps booking % of its parent or child resource',
            NEW.resource_id, NEW.start, clash USING ERRCODE = '23P01';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER places_booking_seats AFTER INSERT OR UPDATE ON places_booking
    FOR EACH ROW EXECUTE FUNCTION places_check_booking_seats();
"""

POSTGRESQL_REVERSE = r"""
DROP TRIGGER IF EXISTS places_booking_seats ON places_booking;
DROP FUNCTION IF EXISTS places_check_booking_seats();
ALTER TABLE places_booking DROP CONSTRAINT IF EXISTS booking_exclusive_no_overlap;
"""

# SQLite: the same counts, from a BEFORE trigger (the new row is not in the table yet; an updated
# one is, under its id: `b.id IS NOT NEW.id` leaves it out).
_SHARED = "(SELECT shared FROM places_resource WHERE id = NEW.resource_id)"
_CAPACITY = "(SELECT capacity FROM places_resource WHERE id = NEW.resource_id)"
# What a booking takes: its seats on a shared resource, the whole capacity on any other.
_TAKES = f"CASE WHEN {_SHARED} THEN {{seats}} ELSE {_CAPACITY} END"

_SEATS_BEYOND_CAPACITY = f"""
    {_TAKES.format(seats="NEW.seats")} + (SELECT coalesce(max(taken), 0) FROM (
        SELECT (SELECT coalesce(sum({_TAKES.format(seats="b.seats")}), 0) FROM places_booking b
                 WHERE b.resource_id = NEW.resource_id AND b.status <> 'cancelled' AND b.id IS NOT NEW.id
                   AND b.start <= p.at AND b.blocks_until > p.at) AS taken
        FROM (SELECT NEW.start AS at
              UNION
              SELECT b.start FROM places_booking b
               WHERE b.resource_id = NEW.resource_id AND b.status <> 'cancelled' AND b.id IS NOT NEW.id
                 AND b.start > NEW.start AND b.start < NEW.blocks_until) AS p))
    > {_CAPACITY}
"""  # noqa: S608 - fixed fragments

_PARENT = "(SELECT parent_id FROM places_resource WHERE id = NEW.resource_id)"
_GRANDPARENT = f"(SELECT parent_id FROM places_resource WHERE id = {_PARENT})"  # noqa: S608 - fixed fragments
_GREAT_GRANDPARENT = f"(SELECT parent_id FROM places_resource WHERE id = {_GRANDPARENT})"  # noqa: S608 - fixed fragments
_CHILDREN = "SELECT id FROM places_resource WHERE parent_id = NEW.resource_id"
_GRANDCHILDREN = f"SELECT id FROM places_resource WHERE parent_id IN ({_CHILDREN})"  # noqa: S608 - fixed fragments
_GREAT_GRANDCHILDREN = f"SELECT id FROM places_resource WHERE parent_id IN ({_GRANDCHILDREN})"  # noqa: S608 - fixed fragments

_FAMILY_OVERLAP = f"""
    EXISTS (SELECT 1 FROM places_booking b
             WHERE b.status <> 'cancelled' AND b.id IS NOT NEW.id
               AND b.start < NEW.blocks_until AND b.blocks_until > NEW.start
               AND (b.resource_id IN ({_PARENT}, {_GRANDPARENT}, {_GREAT_GRANDPARENT})
                    OR b.resource_id IN ({_CHILDREN}) OR b.resource_id IN ({_GRANDCHILDREN})
                    OR b.resource_id IN ({_GREAT_GRANDCHILDREN})))
"""  # noqa: S608 - fixed fragments

_REFUSE = (
    "BEGIN SELECT RAISE(ABORT, 'overbooking: the seats or the family of the resource are taken at this time'); END"
)

SQLITE = [
    f"""CREATE TRIGGER places_booking_seats_insert BEFORE INSERT ON places_booking
        WHEN NEW.status <> 'cancelled' AND ({_SEATS_BEYOND_CAPACITY} OR {_FAMILY_OVERLAP})
        {_REFUSE}""",
    f"""CREATE TRIGGER places_booking_seats_update BEFORE UPDATE ON places_booking
        WHEN NEW.status <> 'cancelled'
         AND (OLD.status = 'cancelled' OR NEW.resource_id <> OLD.resource_id OR NEW.start < OLD.start
              OR NEW.blocks_until > OLD.blocks_until OR NEW.seats > OLD.seats)
         AND ({_SEATS_BEYOND_CAPACITY} OR {_FAMILY_OVERLAP})
        {_REFUSE}""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS places_booking_seats_insert",
    "DROP TRIGGER IF EXISTS places_booking_seats_update",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]

-- The SQLite migration of this name widens persons_household into an
-- index covering what registry.EachHousehold reads, so that reading
-- persons household by household does not depend on the order they
-- arrived in. PostgreSQL keeps the narrow index: an index-only scan there
-- needs the visibility map set (a VACUUM after every import), attrs may
-- exceed a b-tree row's 2,704 bytes, and its heap reads go through the
-- server's shared buffers. Nothing changes.
SELECT 1;

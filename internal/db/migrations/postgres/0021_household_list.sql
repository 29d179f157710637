-- The orders of the household list (registry.ListHouseholds), each read
-- from an index: by registration (newest first, the default), by registration date, by area (governorate, district,
-- locality, then id) and by the head's name (driven from the heads).
CREATE INDEX households_member_id ON households (member_id, id);
CREATE INDEX households_registered ON households (member_id, registered_on, id);
CREATE INDEX households_area_id ON households (member_id, governorate, district, locality, id);
CREATE INDEX persons_head_name ON persons (member_id, name_key, id) WHERE relationship = 'head' AND merged_into IS NULL;

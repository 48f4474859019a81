-- A member's plain list reads each team project's newest advisories from
-- this index and stops after the page, instead of walking every project's
-- rows in `modified_at` order and skipping those it may not see.
CREATE INDEX advisory_project_modified_idx ON advisory (project_id, modified_at DESC, id DESC);

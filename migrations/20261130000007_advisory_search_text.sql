-- The list's free-text search matches summary, details, public id and aliases
-- at once; one trigram index over their concatenation serves that OR, where
-- separate indexes cannot (a search then scanned every visible row).
ALTER TABLE advisory ADD COLUMN search_text text GENERATED ALWAYS AS (
    lower(advisory_id || ' ' || summary || ' ' || aliases::text || ' ' || details)
) STORED;
CREATE INDEX advisory_search_text_trgm_idx ON advisory USING gin (search_text gin_trgm_ops);

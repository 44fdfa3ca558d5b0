-- 0014: retention. Old idempotency keys are removed in batches by state and age (the oldest
-- first); this index makes each batch a range lookup instead of a walk of every key kept.
-- Sessions already have `sessoes_expira` (0012); rounds are few (one per sync) and their
-- jobs are found by their primary key. The same index in PostgreSQL's 0014.
CREATE INDEX idempotencia_idade ON idempotencia (estado, atualizado_em);

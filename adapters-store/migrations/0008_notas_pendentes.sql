-- 0008: the unsettled notas of a sequence, found without walking the sequence. Every send asks
-- for them (settle before issuing anew) and every reservation checks there are none; without
-- this index both read every nota of the sequence, so a batch slowed down as it grew. The
-- queries repeat this WHERE term exactly, as SQLite requires to use a partial index.
CREATE INDEX notas_pendentes
    ON notas (prestador, prefeitura, numero)
    WHERE estado IN ('reservada', 'enviada', 'desconhecida');

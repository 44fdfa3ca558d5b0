-- 0005: a person's decision on a nota whose outcome the service never told (`guiche nfd
-- resolve`): who decided and when. Both NULL for every nota settled by the service itself.
ALTER TABLE notas ADD COLUMN decidido_por TEXT;
ALTER TABLE notas ADD COLUMN decidido_em INTEGER;

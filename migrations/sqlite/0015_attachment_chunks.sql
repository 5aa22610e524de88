-- Attachment bytes in pieces, so a download is streamed a piece at a time
-- instead of reading a whole file (up to the attachment cap) into memory
-- per request. `attachment_blobs.data` holds the first piece (for rows
-- written before this migration, all of the bytes); the rest follow here in
-- `seq` order from 1. Pieces go with their blob.
CREATE TABLE attachment_chunks (
    id     INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL REFERENCES attachment_blobs(sha256) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    UNIQUE (sha256, seq)
);

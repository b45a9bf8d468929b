-- The stream loader's position in each broker stream (docs/SCALING.md): the offset of the next
-- message to load from gadgetgrove.<queue>. It is written in the same transaction as the rows
-- of the batch it ends (and that batch's pipeline.loaded_segments row), so a crash or a
-- takeover by another node resumes exactly after the last committed batch: nothing is loaded
-- twice and nothing is skipped. node names the node that committed it.
CREATE TABLE pipeline.stream_offsets (
  queue       text PRIMARY KEY,
  next_offset bigint NOT NULL CHECK (next_offset >= 0),
  node        text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

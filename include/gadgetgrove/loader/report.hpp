#pragma once
// The loader's run reports as pipeline.artifacts rows: the ingestion summary after a load run
// and the Archive Cleanup Report after a cleanup.

#include <gadgetgrove/loader/loader.hpp>

#include <string>

namespace gg::loader {

/// One pipeline.artifacts row.
struct artifact {
  std::string flow;  // "load", "archive-cleanup"
  std::string run_id;
  std::string kind;  // "markdown" or "table"
  std::string key;   // stable per report type: "ingestion-summary", "archive-cleanup-report"
  std::string title;
  std::string body;  // Markdown
  std::string data;  // JSON text of the same facts (jsonb)
};

/// Markdown status + table of rows ingested per queue, rejects by reason, duration and rows/s.
artifact ingestion_artifact(const load_summary& summary);

/// "Archive Cleanup Report": files and bytes deleted per queue.
artifact cleanup_artifact(const cleanup_summary& summary);

}  // namespace gg::loader

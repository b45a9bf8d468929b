#pragma once
// The flows' JSON API on the admin listener: the flows with their state, the run history, one
// run with its tasks, log and artifacts, and "run now". `gadgetgrove run` drives it.

#include <gadgetgrove/flows/engine.hpp>
#include <gadgetgrove/http/router.hpp>
#include <gadgetgrove/pg/pool.hpp>

#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>

namespace gg::app {

/// Adds to `admin`:
///   GET  /api/flows                               every flow's status
///   GET  /api/runs?flow=&state=&limit=&before=    runs, newest first (limit 1..500, default 50)
///   GET  /api/runs/{id}                           {"run", "tasks", "logs", "artifacts",
///                                                  "retry_run"} (retry_run: the run retrying
///                                                  this one, or null)
///   POST /api/flows/{name}/run                    body {"parameters": {"k": "v"}} (optional);
///                                                  202 {"run_id", "state", "coalesced"}
/// Errors are {"status":"error","error":...}: 400 bad query or body, 404 unknown flow or run,
/// 503 when the database is down or serve is stopping. Database work runs on `blocking`, never
/// on an I/O thread. Authentication and CSRF are the admin listener's (they guard every route).
void add_pipeline_api(http::router& admin, std::shared_ptr<flows::engine> engine,
                      std::function<pg::pool*()> pool,
                      boost::asio::thread_pool::executor_type blocking);

}  // namespace gg::app

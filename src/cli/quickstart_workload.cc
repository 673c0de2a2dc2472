#include "cli/quickstart_workload.h"

#include <libpq-fe.h>

#include <memory>
#include <random>
#include <vector>

#include "common/log.h"

namespace sluice::cli {
namespace {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;

Result<Connection> Connect(const std::string& conninfo) {
  Connection conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Fatal(std::string("cannot connect to the demo database: ") +
                         PQerrorMessage(conn.get()));
  }
  return conn;
}

// Runs `sql` with text parameters; any result other than success is an error.
Status Exec(PGconn* conn, const char* sql, const std::vector<std::string>& params = {}) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                   nullptr, 0),
      &PQclear);
  ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Status::Ok();
  return Status::Transient(std::string(PQerrorMessage(conn)));
}

constexpr const char* kCreateTable = R"sql(
CREATE TABLE public.orders (
  id bigserial PRIMARY KEY,
  customer text,
  total numeric(10,2),
  status text,
  created_at timestamptz DEFAULT now()
))sql";

constexpr const char* kSeedRows = R"sql(
INSERT INTO public.orders (customer, total, status) VALUES
  ('ada', 42.50, 'shipped'), ('grace', 120.00, 'pending'), ('linus', 9.99, 'pending'),
  ('barbara', 310.25, 'shipped'), ('ken', 57.00, 'pending'))sql";

constexpr const char* kInsert =
    "INSERT INTO public.orders (customer, total, status) VALUES ($1, $2, 'pending')";
constexpr const char* kShipOldest =
    "UPDATE public.orders SET status = 'shipped' "
    "WHERE id = (SELECT min(id) FROM public.orders WHERE status = 'pending')";
constexpr const char* kDeleteOldestShipped =
    "DELETE FROM public.orders "
    "WHERE id = (SELECT min(id) FROM public.orders WHERE status = 'shipped')";

constexpr const char* kCustomers[] = {"ada", "grace", "linus", "barbara", "ken", "margaret"};

}  // namespace

Status CreateDemoDatabase(const std::string& admin_conninfo, const std::string& demo_conninfo) {
  Result<Connection> admin = Connect(admin_conninfo);
  if (!admin) return admin.error();
  SLUICE_RETURN_IF_ERROR(Exec(admin->get(), "CREATE DATABASE demo"));
  Result<Connection> demo = Connect(demo_conninfo);
  if (!demo) return demo.error();
  SLUICE_RETURN_IF_ERROR(Exec(demo->get(), kCreateTable));
  return Exec(demo->get(), kSeedRows);
}

DemoWorkload::DemoWorkload(std::string conninfo, std::chrono::milliseconds interval)
    : conninfo_(std::move(conninfo)), interval_(interval) {}

DemoWorkload::~DemoWorkload() { Stop(); }

void DemoWorkload::Start() { thread_ = std::thread(&DemoWorkload::Run, this); }

void DemoWorkload::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t DemoWorkload::statements() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return statements_;
}

void DemoWorkload::Run() {
  Result<Connection> conn = Connect(conninfo_);
  if (!conn) {
    SLUICE_LOG_WARN("quickstart workload: {}", conn.error().message());
    return;
  }
  std::minstd_rand random(20240601);
  std::uniform_int_distribution<int> cents(100, 50000);
  std::uniform_int_distribution<size_t> customer(0, std::size(kCustomers) - 1);
  for (int64_t step = 0;; ++step) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    }
    // Two inserts, two updates, one delete: the table grows slowly and every action shows.
    Status status;
    switch (step % 5) {
      case 0:
      case 2: {
        int total = cents(random);
        status =
            Exec(conn->get(), kInsert,
                 {kCustomers[customer(random)],
                  std::to_string(total / 100) + "." + std::to_string(100 + total % 100).substr(1)});
        break;
      }
      case 1:
      case 3:
        status = Exec(conn->get(), kShipOldest);
        break;
      default:
        status = Exec(conn->get(), kDeleteOldestShipped);
    }
    if (!status.ok()) {
      SLUICE_LOG_WARN("quickstart workload stopped: {}", status.message());
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ++statements_;
  }
}

}  // namespace sluice::cli

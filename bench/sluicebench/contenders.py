"""The contenders: pg_recvlogical (the ceiling), sluice with each destination, and Debezium
Server. Each one owns its process, its replication slot and its receiver; bench/run.py drives
them through the same workloads one after another."""
import glob
import os
import subprocess
import textwrap

from . import procs
from .receiver import Receiver
from .workloads import PUBLICATION, TABLES

DEBEZIUM_VERSION = "3.6.1.Final"
JAVA_HOMES = sorted(glob.glob("/usr/lib/jvm/temurin-2[1-9]*") +
                    glob.glob("/usr/lib/jvm/java-2[1-9]*"), reverse=True)


class Unavailable(RuntimeError):
    """The contender cannot run on this machine or build (e.g. sluice has no such sink yet):
    reported as unavailable, not as a failure."""


class Contender:
    """Base: subclasses set name/destination/slot and implement _launch()."""
    name = ""
    destination = ""
    slot = ""
    version = ""

    def __init__(self, ctx):
        self.ctx = ctx  # bench/run.py's RunContext: pg, receiver binary, workdir, brokers
        self.proc = None
        self.receiver = None
        self.meter = None
        self.log_path = os.path.join(ctx.workdir, f"{self.name}.log")

    def start(self):
        self._launch()
        self.meter = procs.TreeMeter(self.proc.pid)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.meter:
            self.meter.close()
        procs.stop_process(self.proc, 30)
        if self.receiver:
            self.receiver.stop()
        if self.slot:
            try:
                self.ctx.pg.drop_slot(self.slot)
            except subprocess.CalledProcessError as e:
                print(f"bench: could not drop slot {self.slot}: {e.stderr.strip()}")

    def _popen(self, cmd, **kw):
        log = open(self.log_path, "ab")
        kw.setdefault("stdout", log)
        return subprocess.Popen(cmd, stderr=log, **kw)


class PgRecvLogical(Contender):
    """Postgres's own client on a pgoutput slot: the raw stream, nothing encoded or delivered."""
    name = "pg_recvlogical"
    destination = "stdout (pgoutput bytes)"
    slot = "bench_recvlogical"

    def _launch(self):
        pg = self.ctx.pg
        conn = ["-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-d", pg.database]
        self.version = subprocess.run(["pg_recvlogical", "--version"], capture_output=True,
                                      text=True).stdout.strip()
        subprocess.run(["pg_recvlogical", "--create-slot", "--slot", self.slot,
                        "--plugin", "pgoutput"] + conn, check=True, capture_output=True)
        self.proc = self._popen(["pg_recvlogical", "--start", "--slot", self.slot, "-f", "-",
                                 "-o", "proto_version=2", "-o",
                                 f"publication_names={PUBLICATION}"] + conn,
                                stdout=subprocess.PIPE)
        self.receiver = Receiver(self.ctx.receiver_bin, "pgoutput", self.log_path,
                                 stdin=self.proc.stdout)
        self.proc.stdout.close()  # the receiver holds the read end now


class Sluice(Contender):
    """sluice with one destination type: webhook, http_pull, redis_stream or kafka."""
    slot = "bench_sluice"

    def __init__(self, ctx, sink):
        self.sink = sink
        self.name = f"sluice-{sink}"
        self.destination = sink
        super().__init__(ctx)

    def _destination(self):
        if self.sink == "webhook":
            self.receiver = Receiver(self.ctx.receiver_bin, "http", self.log_path)
            return ("http_endpoints:\n"
                    f"  - name: receiver\n    url: {self.receiver.url}\n"), \
                   {"type": "webhook", "http_endpoint": "receiver",
                    "http_endpoint_path": "/sluice", "batch": "true"}
        if self.sink == "http_pull":
            return "", {"type": "http_pull"}
        if self.sink == "redis":
            return "", {"type": "redis_stream", "host": "127.0.0.1",
                        "port": str(self.ctx.redis_port), "stream_key": "sluice_bench"}
        if self.sink == "kafka":
            # Started first: it creates the topic that sluice checks for at start.
            self.receiver = Receiver(self.ctx.receiver_bin, "kafka", self.log_path,
                                     brokers=self.ctx.kafka_hosts, topics="sluice_bench",
                                     create_topics="sluice_bench")
            return "", {"type": "kafka", "hosts": self.ctx.kafka_hosts,
                        "topic": "sluice_bench"}
        raise ValueError(self.sink)

    def _launch(self):
        self.api_port = procs.free_port()
        endpoints, dest = self._destination()
        data_dir = os.path.join(self.ctx.workdir, f"{self.name}-data")
        pg = self.ctx.pg
        dest_yaml = "\n".join(f"      {k}: {v}" for k, v in dest.items())
        config = textwrap.dedent(f"""\
            server:
              listen: 127.0.0.1:{self.api_port}
              data_dir: {data_dir}
            databases:
              - name: bench
                hostname: 127.0.0.1
                port: {pg.port}
                database: {pg.database}
                username: postgres
                slot: {{name: {self.slot}, create_if_not_exists: true}}
                publication: {{name: {PUBLICATION}, create_if_not_exists: false}}
            """) + endpoints + textwrap.dedent(f"""\
            sinks:
              - name: bench
                database: bench
                batch_size: {self.ctx.sluice_batch_size}
                destination:
            """) + dest_yaml + "\n"
        config_path = os.path.join(self.ctx.workdir, f"{self.name}.yaml")
        with open(config_path, "w") as f:
            f.write(config)
        check = subprocess.run([self.ctx.sluice_bin, "config", "validate", config_path],
                               capture_output=True, text=True)
        if check.returncode != 0:
            problem = (check.stdout + check.stderr).strip()
            if "unknown destination type" in problem:
                raise Unavailable(f"this sluice build has no {dest['type']} sink")
            raise RuntimeError(f"sluice rejected the benchmark config: {problem}")
        self.version = subprocess.run([self.ctx.sluice_bin, "version"], capture_output=True,
                                      text=True).stdout.strip().splitlines()[:1]
        self.version = self.version[0] if self.version else "?"
        self.proc = self._popen([self.ctx.sluice_bin, "run", "--config", config_path])
        if self.sink == "http_pull":
            self.receiver = Receiver(self.ctx.receiver_bin, "http_pull", self.log_path,
                                     host="127.0.0.1", remote_port=self.api_port, name="bench")
        elif self.sink == "redis":
            self.receiver = Receiver(self.ctx.receiver_bin, "redis", self.log_path,
                                     host="127.0.0.1", remote_port=self.ctx.redis_port,
                                     name="sluice_bench")


def debezium_home(cache_dir):
    """Fetches io.debezium:debezium-server-dist (tar.gz) with mvn into cache_dir once and
    returns the unpacked directory."""
    home = os.path.join(cache_dir, "debezium", DEBEZIUM_VERSION, "debezium-server")
    if os.path.exists(os.path.join(home, ".complete")):
        return home
    out = os.path.dirname(home)
    os.makedirs(out, exist_ok=True)
    tarball = os.path.join(out, f"debezium-server-dist-{DEBEZIUM_VERSION}.tar.gz")
    if not os.path.exists(tarball):
        print(f"bench: fetching debezium-server-dist {DEBEZIUM_VERSION} with mvn (~800 MB, once)",
              flush=True)
        subprocess.run(["mvn", "-q", "-B",
                        "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy",
                        f"-Dartifact=io.debezium:debezium-server-dist:{DEBEZIUM_VERSION}:tar.gz",
                        f"-DoutputDirectory={out}"], check=True, timeout=1200)
    subprocess.run(["tar", "xzf", tarball, "-C", out], check=True)
    open(os.path.join(home, ".complete"), "w").close()
    return home


class Debezium(Contender):
    """Debezium Server (pgoutput, JSON without schemas) with its HTTP sink (batching on) or its
    Kafka sink. JVM defaults otherwise: what a user gets out of the box."""
    slot = "bench_debezium"

    def __init__(self, ctx, sink):
        self.sink = sink
        self.name = f"debezium-{sink}"
        self.destination = sink
        super().__init__(ctx)

    def _launch(self):
        home = debezium_home(self.ctx.cache_dir)
        if not JAVA_HOMES:
            raise RuntimeError("Debezium Server needs Java 21+; none under /usr/lib/jvm")
        java_home = JAVA_HOMES[0]
        run_dir = os.path.join(self.ctx.workdir, self.name)
        os.makedirs(os.path.join(run_dir, "config"), exist_ok=True)
        pg = self.ctx.pg
        props = {
            "debezium.source.connector.class": "io.debezium.connector.postgresql.PostgresConnector",
            "debezium.source.offset.storage.file.filename": os.path.join(run_dir, "offsets.dat"),
            "debezium.source.offset.flush.interval.ms": "1000",
            "debezium.source.database.hostname": "127.0.0.1",
            "debezium.source.database.port": str(pg.port),
            "debezium.source.database.user": "postgres",
            "debezium.source.database.password": "postgres",
            "debezium.source.database.dbname": pg.database,
            "debezium.source.topic.prefix": "dbz",
            "debezium.source.plugin.name": "pgoutput",
            "debezium.source.slot.name": self.slot,
            "debezium.source.publication.name": PUBLICATION,
            "debezium.source.publication.autocreate.mode": "disabled",
            "debezium.source.snapshot.mode": "no_data",
            "debezium.source.tombstones.on.delete": "false",
            "debezium.format.value": "json",
            "debezium.format.key": "json",
            "debezium.format.value.schemas.enable": "false",
            "debezium.format.key.schemas.enable": "false",
            "quarkus.http.port": str(procs.free_port()),
            "quarkus.http.host": "127.0.0.1",
            "quarkus.log.level": "INFO",
        }
        if self.sink == "http":
            self.receiver = Receiver(self.ctx.receiver_bin, "http", self.log_path)
            props.update({
                "debezium.sink.type": "http",
                "debezium.sink.http.url": f"{self.receiver.url}/debezium",
                "debezium.sink.http.batch.enabled": "true",
                "debezium.sink.http.batch.max-size": str(self.ctx.sluice_batch_size),
                "debezium.sink.http.timeout.ms": "60000",
            })
        else:
            self.receiver = Receiver(self.ctx.receiver_bin, "kafka", self.log_path,
                                     brokers=self.ctx.kafka_hosts, topics="^dbz\\..*",
                                     create_topics=",".join(f"dbz.public.{t}" for t in TABLES))
            props.update({
                "debezium.sink.type": "kafka",
                "debezium.sink.kafka.producer.bootstrap.servers": self.ctx.kafka_hosts,
                "debezium.sink.kafka.producer.key.serializer":
                    "org.apache.kafka.common.serialization.StringSerializer",
                "debezium.sink.kafka.producer.value.serializer":
                    "org.apache.kafka.common.serialization.StringSerializer",
            })
        with open(os.path.join(run_dir, "config", "application.properties"), "w") as f:
            f.writelines(f"{k}={v}\n" for k, v in props.items())
        runner = glob.glob(os.path.join(home, "debezium-server-*runner.jar"))[0]
        classpath = ":".join([runner, os.path.join(home, "config", "lib"),
                              os.path.join(home, "lib", "*")])
        self.version = f"Debezium Server {DEBEZIUM_VERSION} on {os.path.basename(java_home)}"
        env = dict(os.environ, JAVA_HOME=java_home)
        # The same command as the distribution's run.sh, run from our own directory so that
        # Quarkus reads our config/application.properties.
        # --add-opens: Quarkus's thread pool needs it on Java 24+ (it logs the same advice).
        self.proc = self._popen([os.path.join(java_home, "bin", "java"),
                                 "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                                 "-cp", classpath, "io.debezium.server.Main"],
                                cwd=run_dir, env=env)


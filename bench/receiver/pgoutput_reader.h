#pragma once
// Reads the byte stream `pg_recvlogical --plugin=pgoutput -f -` writes (each pgoutput message
// followed by a newline) and records every insert, update and delete it carries. This is the
// "ceiling" contender: Postgres's own stream, with no encoding or delivery behind it.
#include "arrival.h"

namespace sluice::bench {

// Reads `fd` until end of file, on the calling thread. Returns false when the stream is not
// valid pgoutput (the reason goes to stats->RecordProblem).
bool ReadPgoutputStream(int fd, ArrivalStats* stats);

}  // namespace sluice::bench

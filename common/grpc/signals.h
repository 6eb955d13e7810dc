// SIGTERM/SIGINT handling for service processes, without async handlers:
// the signals are blocked in every thread and one thread waits for them.
//
//   int main(int argc, char** argv) {
//     BlockTerminationSignals();     // first, before any thread starts
//     ... start servers and threads ...
//     int sig = WaitForTerminationSignal();
//     ... graceful shutdown ...
//   }
#ifndef DATAMGMT_COMMON_GRPC_SIGNALS_H_
#define DATAMGMT_COMMON_GRPC_SIGNALS_H_

namespace datamgmt {

// Blocks SIGTERM and SIGINT in the calling thread; threads created after
// this inherit the mask. Call at the top of main.
void BlockTerminationSignals();

// Blocks until SIGTERM or SIGINT is delivered; returns the signal number.
int WaitForTerminationSignal();

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_GRPC_SIGNALS_H_

#pragma once
// Clean stop on SIGTERM / SIGUSR1 (SLURM --signal, scancel --signal, a
// forwarded mpirun signal): the handler only sets a flag; the runner checks it
// between journal writes, journals what it has and writes the results file.
namespace mtl {

/// Install the handlers (idempotent). SIGTERM and SIGUSR1 set the flag.
void install_stop_handlers();
/// True once a stop signal arrived in this process.
bool stop_requested();
/// The signal number that requested the stop (0 if none).
int stop_signal();
/// For tests: clear the flag.
void reset_stop_request();

}  // namespace mtl

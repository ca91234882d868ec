#pragma once
// Child processes for integration tests, and a private JACK server (the dummy backend: a real,
// clocked server without a sound card) started and stopped by its own process id, as
// ../shared/PLATFORM.md describes. Each server has a unique name; clients find it through
// JACK_DEFAULT_SERVER=<name> in their environment (see JackServer::env()).
//
// Children get SIGKILL when the test process dies (PR_SET_PDEATHSIG), so a crashed or timed-out
// test leaves no jackd behind.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef MVM_TEST_HAVE_JACK
#include <jack/jack.h>
#endif

#include <array>
#include <cerrno>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace mvm::test {

// A child process whose stdout and stderr go to one pipe (read line by line) or to a log file.
class ChildProcess {
public:
  // argv[0] is looked up on PATH. extraEnv: "NAME=value" entries that replace or add to ours.
  // stdin is /dev/null, or with pipeInput a pipe that writeInput() feeds.
  explicit ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extraEnv = {},
                        const std::string& logPath = "", bool pipeInput = false) {
    std::vector<std::string> env = extraEnv;
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      const std::string name = entry.substr(0, entry.find('='));
      bool replaced = false;
      for (const std::string& x : extraEnv) replaced = replaced || x.substr(0, x.find('=')) == name;
      if (!replaced) env.push_back(entry);
    }
    std::vector<char*> args, envp;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    int fds[2] = {-1, -1};
    if (logPath.empty() && ::pipe2(fds, O_CLOEXEC) != 0) return;
    int inFds[2] = {-1, -1};
    if (pipeInput && ::pipe2(inFds, O_CLOEXEC) != 0) return;
    const int logFd = logPath.empty() ? -1 : ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) { // the child: async-signal-safe calls only, then exec
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      const int out = logPath.empty() ? fds[1] : logFd;
      const int in = pipeInput ? inFds[0] : ::open("/dev/null", O_RDONLY);
      if (in >= 0) ::dup2(in, STDIN_FILENO);
      if (out >= 0) {
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
      }
      ::execvpe(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    if (logFd >= 0) ::close(logFd);
    if (fds[1] >= 0) ::close(fds[1]);
    readFd_ = fds[0];
    if (inFds[0] >= 0) ::close(inFds[0]);
    writeFd_ = inFds[1];
  }
  ~ChildProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      reap(std::chrono::seconds(5));
    }
    if (readFd_ >= 0) ::close(readFd_);
    closeInput();
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // With pipeInput: writes `text` to the child's stdin (false when it is closed or gone).
  bool writeInput(const std::string& text) {
    static const bool sigpipeIgnored = (::signal(SIGPIPE, SIG_IGN), true); // a gone child: EPIPE, not death
    (void)sigpipeIgnored;
    std::size_t done = 0;
    while (writeFd_ >= 0 && done < text.size()) {
      const ssize_t n = ::write(writeFd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return writeFd_ >= 0;
  }
  // End of input for the child.
  void closeInput() {
    if (writeFd_ >= 0) ::close(writeFd_);
    writeFd_ = -1;
  }
  bool started() const { return pid_ > 0; }
  bool running() {
    if (pid_ <= 0 || exited_) return false;
    return !tryReap();
  }

  // The next line of output (without its newline), waiting up to `timeout`; nullopt at the
  // timeout or at the end of the output. Every line read is kept in output().
  std::optional<std::string> readLine(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto nl = pending_.find('\n'); nl != std::string::npos) {
        std::string line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        output_ += line + "\n";
        return line;
      }
      if (readFd_ < 0 || eof_) {
        if (!pending_.empty()) {
          std::string line = std::move(pending_);
          pending_.clear();
          output_ += line + "\n";
          return line;
        }
        return std::nullopt;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{readFd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(readFd_, buf, sizeof buf);
      if (n <= 0) eof_ = true;
      else pending_.append(buf, static_cast<std::size_t>(n));
    }
  }
  // Reads lines until one contains `needle` (returned) or the timeout passes (nullopt).
  std::optional<std::string> waitForLine(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto line = readLine(left);
      if (!line) return std::nullopt;
      if (line->find(needle) != std::string::npos) return line;
    }
  }
  // Everything read so far, and (after readAll) everything the child wrote.
  const std::string& output() const { return output_; }
  const std::string& readAll(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (!readLine(left)) break;
    }
    return output_;
  }

  // Waits for the child to exit (SIGKILL after the timeout). Its exit code; 128 + signal when a
  // signal ended it; -1 when it could not be reaped.
  int wait(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    if (!exited_ && !reap(timeout)) {
      ::kill(pid_, SIGKILL);
      reap(std::chrono::seconds(5));
    }
    return status_;
  }
  int signalAndWait(int sig, std::chrono::milliseconds timeout) {
    if (pid_ > 0 && !exited_) ::kill(pid_, sig);
    return wait(timeout);
  }

private:
  bool tryReap() {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r != pid_) return false;
    exited_ = true;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
    return true;
  }
  bool reap(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!tryReap()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  pid_t pid_ = -1;
  int readFd_ = -1;
  int writeFd_ = -1;
  bool eof_ = false, exited_ = false;
  int status_ = -1;
  std::string pending_, output_;
};

// True when `program` is found on PATH.
inline bool onPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

// A private jackd with the dummy backend: `jackd -n NAME -R -P 70 -d dummy -r RATE -p PERIOD`.
// The constructor waits until the server's system:playback_1 port exists (ready()); the
// destructor sends SIGTERM to that jackd's pid and waits for it.
class JackServer {
public:
  static bool available() { return onPath("jackd") && onPath("jack_lsp"); }

  explicit JackServer(int periodFrames = 512, int rate = 48000)
      : name_(uniqueName()), logPath_("/tmp/" + name_ + ".log"), rate_(rate), period_(periodFrames),
        jackd_({"jackd", "-n", name_, "-R", "-P", "70", "-d", "dummy", "-r", std::to_string(rate), "-p", std::to_string(periodFrames)},
               {"JACK_NO_AUDIO_RESERVATION=1", env()}, logPath_) {
    ready_ = waitUntilReady(std::chrono::seconds(15));
  }
  ~JackServer() {
    stop();
    std::remove(logPath_.c_str());
  }
  JackServer(const JackServer&) = delete;
  JackServer& operator=(const JackServer&) = delete;

  bool ready() const { return ready_; }
  const std::string& name() const { return name_; }
  int rate() const { return rate_; }
  int period() const { return period_; }
  // "JACK_DEFAULT_SERVER=<name>": the environment entry that points a client at this server
  std::string env() const { return "JACK_DEFAULT_SERVER=" + name_; }
  std::string log() const {
    std::ifstream in(logPath_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Stops the server (SIGTERM to its pid, then waits); its exit status (0 for a clean stop).
  int stop() {
    if (stopped_) return stopStatus_;
    stopped_ = true;
    stopStatus_ = jackd_.signalAndWait(SIGTERM, std::chrono::seconds(10));
    return stopStatus_;
  }

private:
  static std::string uniqueName() {
    static std::atomic<int> counter{0};
    return "mvmtest_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  }
  bool waitUntilReady(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!jackd_.running()) return false;
      // Not `jack_wait -c`: its exit status is 0 even with no server (PLATFORM.md).
      ChildProcess lsp({"timeout", "5", "jack_lsp", "-s", name_}, {env()});
      const std::string ports = lsp.readAll(std::chrono::seconds(6));
      lsp.wait(std::chrono::seconds(6));
      if (ports.find("system:playback_1\n") != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::string name_, logPath_;
  int rate_, period_;
  ChildProcess jackd_;
  bool ready_ = false, stopped_ = false;
  int stopStatus_ = -1;
};

#ifdef MVM_TEST_HAVE_JACK
// A JACK client in the test process that hears one output port of another client: the RMS level
// of every period, stamped with the steady clock when the period was processed (the same JACK
// cycle as the client it listens to). Measures when a change becomes audible.
class JackListener {
public:
  struct Period {
    std::chrono::steady_clock::time_point at;
    float rms;
  };

  explicit JackListener(const JackServer& server) {
    jack_status_t status{};
    const std::string name = "mvmtest_listener";
    // A client open can fail while another server starts or stops: try a few times.
    for (int attempt = 0; attempt < 5 && !client_; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      client_ = jack_client_open(name.c_str(), static_cast<jack_options_t>(JackServerName | JackNoStartServer), &status,
                                 server.name().c_str());
    }
    if (!client_) return;
    port_ = jack_port_register(client_, "in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    if (!port_ || jack_set_process_callback(client_, &JackListener::process, this) != 0 || jack_activate(client_) != 0) {
      jack_client_close(client_);
      client_ = nullptr;
    }
  }
  ~JackListener() {
    if (client_) jack_client_close(client_);
  }
  JackListener(const JackListener&) = delete;
  JackListener& operator=(const JackListener&) = delete;

  bool ok() const { return client_ != nullptr; }
  // Connects `source` (e.g. "mvm-live:outport 0") to this listener, waiting up to `timeout` for it to exist.
  bool listenTo(const std::string& source, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (jack_connect(client_, source.c_str(), jack_port_name(port_)) == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // The first period processed after `since` whose RMS is above (loud) or below (!loud) `threshold`.
  std::optional<Period> firstAfter(std::chrono::steady_clock::time_point since, bool loud, float threshold) const {
    const std::uint64_t n = count_.load(std::memory_order_acquire);
    for (std::uint64_t i = n > kSlots ? n - kSlots : 0; i < n; ++i) {
      const Slot& s = slots_[i % kSlots];
      const std::chrono::steady_clock::time_point at{std::chrono::nanoseconds(s.ns.load(std::memory_order_relaxed))};
      const float rms = s.rms.load(std::memory_order_relaxed);
      if (at > since && (loud ? rms > threshold : rms < threshold)) return Period{at, rms};
    }
    return std::nullopt;
  }
  // Waits up to `timeout` for such a period.
  std::optional<Period> waitFor(std::chrono::steady_clock::time_point since, bool loud, float threshold,
                                std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto p = firstAfter(since, loud, threshold)) return p;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  std::uint64_t periods() const { return count_.load(std::memory_order_acquire); }

private:
  static int process(jack_nframes_t frames, void* self) {
    auto& l = *static_cast<JackListener*>(self);
    const auto* in = static_cast<const float*>(jack_port_get_buffer(l.port_, frames));
    double sum = 0;
    for (jack_nframes_t i = 0; i < frames; ++i) sum += static_cast<double>(in[i]) * in[i];
    const std::uint64_t n = l.count_.load(std::memory_order_relaxed);
    Slot& s = l.slots_[n % kSlots];
    s.ns.store(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              std::chrono::steady_clock::now().time_since_epoch()).count()),
               std::memory_order_relaxed);
    s.rms.store(frames ? static_cast<float>(std::sqrt(sum / frames)) : 0.0f, std::memory_order_relaxed);
    l.count_.store(n + 1, std::memory_order_release);
    return 0;
  }

  static constexpr std::size_t kSlots = 8192; // 87 s at 512 frames / 48 kHz
  struct Slot {
    std::atomic<std::uint64_t> ns{0};
    std::atomic<float> rms{0.0f};
  };
  jack_client_t* client_ = nullptr;
  jack_port_t* port_ = nullptr;
  std::array<Slot, kSlots> slots_{};
  std::atomic<std::uint64_t> count_{0};
};
#endif

} // namespace mvm::test

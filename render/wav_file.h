#pragma once
// WAV files through libsndfile. The writer writes to a temporary file beside the target and
// renames it on commit (TempOutputFile, output_file.h), so a failed or interrupted render never
// leaves a partial file. The reader
// reads regular files only, within their cap (core/file_reader.h).

#include <sndfile.h>

#include <cerrno>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interrupt.h"
#include "mvm/core/file_reader.h"
#include "mvm/core/random.h"
#include "mvm/patch/limits.h"
#include "output_file.h"

namespace mvm::render {

enum class SampleFormat { Float32, Pcm24, Pcm16 };

inline SampleFormat parseSampleFormat(const std::string& s) {
  if (s == "float32") return SampleFormat::Float32;
  if (s == "pcm24") return SampleFormat::Pcm24;
  if (s == "pcm16") return SampleFormat::Pcm16;
  throw std::invalid_argument("unknown format \"" + s + "\" (expected float32, pcm24 or pcm16)");
}
inline const char* formatName(SampleFormat f) {
  return f == SampleFormat::Float32 ? "float32" : f == SampleFormat::Pcm24 ? "pcm24" : "pcm16";
}

class WavWriter {
public:
  // control thread. pcm16 gets TPDF dither from a generator seeded with `ditherSeed`.
  WavWriter(std::string path, int sampleRate, int channels, SampleFormat format, std::uint64_t ditherSeed)
      : file_(std::move(path)), channels_(channels), format_(format), dither_(ditherSeed ^ 0x6469746865720000ull) {
    SF_INFO info{};
    info.samplerate = sampleRate;
    info.channels = channels;
    info.format = SF_FORMAT_WAV | (format == SampleFormat::Float32 ? SF_FORMAT_FLOAT
                                   : format == SampleFormat::Pcm24 ? SF_FORMAT_PCM_24 : SF_FORMAT_PCM_16);
    sndfile_ = sf_open_fd(file_.fd(), SFM_WRITE, &info, SF_FALSE);
    if (!sndfile_) throw OutputError(file_.path() + ": cannot write: " + sf_strerror(nullptr)); // file_ removes the temporary file
    // No PEAK chunk: it carries a timestamp, and identical audio must give identical files.
    sf_command(sndfile_, SFC_SET_ADD_PEAK_CHUNK, nullptr, SF_FALSE);
  }
  ~WavWriter() { abandon(); }
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;

  // control thread: `frames` frames of non-interleaved channels
  void write(const float* const* data, int frames) {
    if (format_ == SampleFormat::Float32) {
      interleavedF_.resize(static_cast<std::size_t>(frames * channels_));
      for (int i = 0; i < frames; ++i)
        for (int c = 0; c < channels_; ++c) interleavedF_[static_cast<std::size_t>(i * channels_ + c)] = data[c][i];
      check(sf_writef_float(sndfile_, interleavedF_.data(), frames), frames);
      return;
    }
    // Integer formats through the int API: exact 24/16-bit values (the float API is not, for 24 bit).
    interleavedI_.resize(static_cast<std::size_t>(frames * channels_));
    const bool pcm16 = format_ == SampleFormat::Pcm16;
    const double scale = pcm16 ? 32768.0 : 8388608.0;
    const double top = scale - 1.0;
    for (int i = 0; i < frames; ++i)
      for (int c = 0; c < channels_; ++c) {
        double x = static_cast<double>(data[c][i]) * scale;
        if (pcm16) x += static_cast<double>(dither_.uniform()) - static_cast<double>(dither_.uniform()); // TPDF, +-1 LSB
        x = std::nearbyint(x);
        x = x > top ? top : (x < -scale ? -scale : x);
        interleavedI_[static_cast<std::size_t>(i * channels_ + c)] = static_cast<int>(x) * (pcm16 ? 65536 : 256);
      }
    check(sf_writef_int(sndfile_, interleavedI_.data(), frames), frames);
  }

  // The inputs of the run, which commit() refuses to replace (output_file.h).
  void keepInputs(RunInputs inputs) { inputs_ = std::move(inputs); }

  // control thread: close and move into place, unless the target has become something the
  // output may not replace. Signals are held from the check to the rename.
  void commit() {
    if (!sndfile_) return;
    const int err = sf_close(sndfile_);
    sndfile_ = nullptr;
    if (err != 0) {
      file_.remove();
      throw OutputError(file_.path() + ": closing failed: " + sf_error_number(err));
    }
    file_.commit(inputs_);
  }

  // control thread: drop the partial file (also on destruction without commit)
  void abandon() noexcept {
    if (sndfile_) sf_close(sndfile_);
    sndfile_ = nullptr;
    file_.remove();
  }

private:
  void check(sf_count_t written, int frames) {
    if (written != frames) throw OutputError(file_.path() + ": write failed: " + sf_strerror(sndfile_));
  }

  TempOutputFile file_;
  RunInputs inputs_;
  int channels_;
  SampleFormat format_;
  Random dither_;
  SNDFILE* sndfile_ = nullptr;
  std::vector<float> interleavedF_;
  std::vector<int> interleavedI_;
};

// A whole WAV file as float channels (tests, AudioIn sources).
struct WavData {
  int sampleRate = 0;
  int format = 0;
  std::vector<std::vector<float>> channels;
  std::size_t frames() const { return channels.empty() ? 0 : channels[0].size(); }
};

// Throws FileError (not a regular file, over the cap) or WavError (not a WAV file libsndfile reads).
inline WavData readWav(const std::string& path, const char* what = "WAV") {
  RegularFile file(path, limits::kMaxInputWavBytes, what); // a FIFO or device never reaches libsndfile
  SF_INFO info{};
  SNDFILE* f = sf_open_fd(file.fd(), SFM_READ, &info, SF_FALSE);
  if (!f) throw WavError(path + ": not a readable WAV file (" + sf_strerror(nullptr) + ")");
  // Every sample takes a byte of the file at least: a header announcing more is refused before
  // anything is allocated for it.
  if (info.frames < 0 || info.channels < 1 ||
      static_cast<std::uint64_t>(info.frames) > file.size() / static_cast<std::uint64_t>(info.channels)) {
    sf_close(f);
    throw WavError(path + ": the WAV header announces more samples than the file holds");
  }
  WavData w;
  w.sampleRate = info.samplerate;
  w.format = info.format;
  const auto channels = static_cast<std::size_t>(info.channels), frames = static_cast<std::size_t>(info.frames);
  w.channels.assign(channels, std::vector<float>(frames));
  std::vector<float> chunk(channels * 65536);
  std::size_t got = 0;
  while (got < frames) {
    const sf_count_t want = static_cast<sf_count_t>(std::min<std::size_t>(65536, frames - got));
    const sf_count_t n = sf_readf_float(f, chunk.data(), want);
    if (n <= 0) break;
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
      for (std::size_t c = 0; c < channels; ++c) w.channels[c][got + i] = chunk[i * channels + c];
    got += static_cast<std::size_t>(n);
  }
  sf_close(f);
  if (got != frames) throw WavError(path + ": truncated WAV data (" + std::to_string(got) + " of " + std::to_string(frames) + " frames)");
  return w;
}

} // namespace mvm::render

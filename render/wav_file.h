#pragma once
// WAV files through libsndfile. The writer writes to a temporary file beside the target and
// renames it on commit, so a failed or interrupted render never leaves a partial file.

#include <sndfile.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include "mvm/core/random.h"

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
      : path_(std::move(path)), channels_(channels), format_(format), dither_(ditherSeed ^ 0x6469746865720000ull) {
    const auto target = std::filesystem::path(path_);
    const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(dir)) throw std::runtime_error(path_ + ": directory " + dir.string() + " does not exist");
    temp_ = (dir / ("." + target.filename().string() + ".partial-" + std::to_string(::getpid()))).string();
    SF_INFO info{};
    info.samplerate = sampleRate;
    info.channels = channels;
    info.format = SF_FORMAT_WAV | (format == SampleFormat::Float32 ? SF_FORMAT_FLOAT
                                   : format == SampleFormat::Pcm24 ? SF_FORMAT_PCM_24 : SF_FORMAT_PCM_16);
    file_ = sf_open(temp_.c_str(), SFM_WRITE, &info);
    if (!file_) throw std::runtime_error(path_ + ": cannot write: " + sf_strerror(nullptr));
    // No PEAK chunk: it carries a timestamp, and identical audio must give identical files.
    sf_command(file_, SFC_SET_ADD_PEAK_CHUNK, nullptr, SF_FALSE);
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
      check(sf_writef_float(file_, interleavedF_.data(), frames), frames);
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
    check(sf_writef_int(file_, interleavedI_.data(), frames), frames);
  }

  // control thread: close and move into place
  void commit() {
    if (!file_) return;
    const int err = sf_close(file_);
    file_ = nullptr;
    if (err != 0) {
      std::remove(temp_.c_str());
      throw std::runtime_error(path_ + ": closing failed: " + sf_error_number(err));
    }
    std::error_code ec;
    std::filesystem::rename(temp_, path_, ec);
    if (ec) {
      std::remove(temp_.c_str());
      throw std::runtime_error(path_ + ": cannot move into place: " + ec.message());
    }
  }

  // control thread: drop the partial file (also on destruction without commit)
  void abandon() noexcept {
    if (!file_) return;
    sf_close(file_);
    file_ = nullptr;
    std::remove(temp_.c_str());
  }

  const std::string& tempPath() const noexcept { return temp_; }

private:
  void check(sf_count_t written, int frames) {
    if (written != frames) throw std::runtime_error(path_ + ": write failed: " + sf_strerror(file_));
  }

  std::string path_, temp_;
  int channels_;
  SampleFormat format_;
  Random dither_;
  SNDFILE* file_ = nullptr;
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

inline WavData readWav(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) throw std::runtime_error(path + ": cannot read: " + sf_strerror(nullptr));
  WavData w;
  w.sampleRate = info.samplerate;
  w.format = info.format;
  std::vector<float> inter(static_cast<std::size_t>(info.frames * info.channels));
  const sf_count_t got = sf_readf_float(f, inter.data(), info.frames);
  sf_close(f);
  if (got != info.frames) throw std::runtime_error(path + ": short read");
  w.channels.assign(static_cast<std::size_t>(info.channels), std::vector<float>(static_cast<std::size_t>(info.frames)));
  for (sf_count_t i = 0; i < info.frames; ++i)
    for (int c = 0; c < info.channels; ++c)
      w.channels[static_cast<std::size_t>(c)][static_cast<std::size_t>(i)] = inter[static_cast<std::size_t>(i * info.channels + c)];
  return w;
}

} // namespace mvm::render

#pragma once
// Circular delay lines, one per channel: allocated on the control thread (prepare), read and
// written on the audio thread. The one delay line of the modules that delay audio: Delay,
// PingPongDelay, Chorus, Flanger, Comb, Allpass, Reverb's combs and all-passes and Limiter's
// lookahead. Four reads: whole frames (at, oldest), linear interpolation (read: for a delay
// that moves, as an LFO sweeps it), cubic interpolation (readCubic: the same, with less of
// linear's loss of treble) and first-order all-pass interpolation (readAllpass: for a feedback
// loop whose delay moves slowly, as a tuned comb's).

#include <cstddef>
#include <vector>

#include "mvm/core/block.h"
#include "mvm/dsp/module_kernel.h"

namespace mvm {

class DelayLines {
public:
  static std::size_t bytes(int channels, int length) noexcept {
    return sizeof(float) * static_cast<std::size_t>(length) * static_cast<std::size_t>(channels);
  }

  // control thread: `channels` silent lines of `length` frames each.
  void allocate(int channels, int length) {
    channels_ = channels;
    length_ = length;
    data_.assign(static_cast<std::size_t>(length) * static_cast<std::size_t>(channels), 0.0f);
    for (int& w : write_) w = 0;
  }

  int length() const noexcept { return length_; }

  // The frame `whole` frames behind channel c's next write (1 <= whole <= length).
  float at(int c, int whole) const noexcept { return line(c)[behind(c, whole)]; }
  // at(c, length()): the frame the next write replaces, as a fixed delay of the line's length reads.
  float oldest(int c) const noexcept { return line(c)[write_[c]]; }

  // `frac` of the way from the frame `whole` behind the next write to the one before it: linear
  // interpolation, computed even when frac is 0 (the sign of a zero stays what it was).
  float read(int c, int whole, float frac) const noexcept {
    const float* buf = line(c);
    const int pos = behind(c, whole);
    const int prev = pos == 0 ? length_ - 1 : pos - 1;
    const float a = buf[pos];
    return a + (buf[prev] - a) * frac;
  }

  // `frac` of the way from the frame `whole` behind the next write to the one before it (2 <=
  // whole <= length - 2), through the 4-point cubic Hermite (Catmull-Rom) interpolator over the
  // frames whole - 1 .. whole + 2 behind. It has no memory, so a delay an LFO sweeps may move by
  // any amount each frame (as with read), and it keeps more of the treble than linear
  // interpolation, whose low-pass moves with the fraction and so puts a flutter on the highs of a
  // swept read: halfway between frames its gain is 0.88 at fs/4 (linear: 0.71) and 0.94 at 10 kHz
  // of 48 kHz (linear: 0.79). frac 0 reads at(c, whole) exactly. (Chorus.)
  float readCubic(int c, int whole, float frac) const noexcept {
    const float* buf = line(c);
    const int p1 = behind(c, whole);
    const int p0 = p1 + 1 == length_ ? 0 : p1 + 1;           // whole - 1 behind: newer
    const int p2 = p1 == 0 ? length_ - 1 : p1 - 1;           // whole + 1 behind
    const int p3 = p2 == 0 ? length_ - 1 : p2 - 1;           // whole + 2 behind
    const float y0 = buf[p0], y1 = buf[p1], y2 = buf[p2], y3 = buf[p3];
    const float c1 = 0.5f * (y2 - y0);
    const float c2 = y0 - 2.5f * y1 + 2.0f * y2 - 0.5f * y3;
    const float c3 = 0.5f * (y3 - y0) + 1.5f * (y1 - y2);
    return ((c3 * frac + c2) * frac + c1) * frac + y1;
  }

  // `delay` frames behind the next write (1.5 <= delay <= length() - 1) through a first-order
  // all-pass (Thiran) interpolator: the frames whole and whole + 1 behind, whole = floor(delay -
  // 0.5), filtered by (eta + z^-1) / (1 + eta z^-1), eta = (1 - f) / (1 + f), f = delay - whole
  // in [0.5, 1.5) (the pole at -eta stays within 1/3 of the origin). Its magnitude is 1 at every
  // frequency, where linear interpolation is a low-pass that depends on the fraction (-3 dB at
  // fs/4 halfway between frames), so a feedback loop that reads it (a comb, a Schroeder
  // all-pass) keeps the same gain at every fractional delay, and a Schroeder all-pass stays an
  // all-pass. Its delay is exact at DC, within 0.015 frame up to fs/20 and 0.06 up to fs/10,
  // drifting towards whole + 1 near Nyquist; an integer delay (f = 1) reads at(c, delay) exactly.
  // It has one frame of memory, `last`: this read's previous result on channel c, which the
  // caller keeps in its State (so it is carried over a hot swap) and resets when not finite. A
  // change of delay leaves that memory from the old coefficient, and a step of `whole` a small
  // transient: it suits a delay whose length moves slowly (a tuned comb, a diffuser), not one an
  // LFO sweeps (Chorus: readCubic; Flanger: read).
  float readAllpass(int c, float delay, float& last) const noexcept {
    const int whole = static_cast<int>(delay - 0.5f);
    const float f = delay - static_cast<float>(whole);
    const float eta = (1.0f - f) / (1.0f + f);
    const float* buf = line(c);
    const int pos = behind(c, whole);
    const int prev = pos == 0 ? length_ - 1 : pos - 1;
    last = eta * (buf[pos] - last) + buf[prev];
    return last;
  }

  // Stores x as channel c's newest frame. The caller limits it: a line holds seconds of state,
  // which no per-block check could scan.
  void write(int c, float x) noexcept {
    line(c)[write_[c]] = x;
    if (++write_[c] >= length_) write_[c] = 0;
  }

  // audio thread, bounded: the newest frames of another instance's lines (channel counts and
  // lengths may differ), each at the same distance behind the next write as it was.
  void copyFrom(const DelayLines& p) noexcept {
    const int channels = channels_ < p.channels_ ? channels_ : p.channels_;
    const int n = length_ < p.length_ ? length_ : p.length_;
    for (int c = 0; c < channels; ++c) {
      const float* src = p.line(c);
      float* dst = line(c);
      for (int k = 1; k <= n; ++k) dst[length_ - k] = src[p.behind(c, k)];
      write_[c] = 0;
    }
  }

private:
  const float* line(int c) const noexcept { return data_.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(length_); }
  float* line(int c) noexcept { return data_.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(length_); }
  int behind(int c, int frames) const noexcept {
    const int pos = write_[c] - frames;
    return pos < 0 ? pos + length_ : pos;
  }

  std::vector<float> data_;
  int length_ = 0;
  int channels_ = 0;
  int write_[kMaxChannels] = {};
};

// A ChannelModule whose memory beyond its State is one delay line per channel, Self::lineLength()
// frames long (a function of the sample rate): allocated when prepared, counted before it is, and
// carried over a hot swap with the State.
template <class Self, class State>
class DelayLineModule : public ChannelModule<Self, State> {
public:
  void prepare() override { lines_.allocate(this->channels(), self().lineLength()); }
  PreparedMemory preparedMemory() const override { return {DelayLines::bytes(this->channels(), self().lineLength()), "delay lines"}; }
  void copyStateFrom(const DSPModule& previous) override {
    ChannelModule<Self, State>::copyStateFrom(previous);
    lines_.copyFrom(static_cast<const DelayLineModule&>(previous).lines_);
  }

protected:
  DelayLines lines_;

private:
  const Self& self() const noexcept { return static_cast<const Self&>(*this); }
};

} // namespace mvm

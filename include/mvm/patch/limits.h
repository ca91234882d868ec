#pragma once
// What a patch may ask for, so that a program's memory is bounded and known before it runs.

#include <cstddef>

namespace mvm::limits {

inline constexpr std::size_t kMaxModules = 16384;
inline constexpr std::size_t kMaxConnections = 65536;
inline constexpr std::size_t kMaxIdLength = 64;
inline constexpr std::size_t kMaxPatchBytes = 16u << 20;      // 16 MiB of JSON
// Nesting of arrays and objects in any JSON the engine reads (patch, score, session), checked
// while the text is scanned, before anything recursive (the JSON library's copy, compare and
// dump recurse) touches the value. A session holds a patch: its patch nests 4 levels deeper.
inline constexpr std::size_t kMaxJsonDepth = 64;
// Caps on the files the engine reads (core/file_reader.h checks them before reading a byte).
inline constexpr std::size_t kMaxScoreBytes = 64u << 20;      // a score (JSON)
inline constexpr std::size_t kMaxMidiFileBytes = 16u << 20;   // a Standard MIDI File
inline constexpr std::size_t kMaxSessionBytes = 256u << 20;   // a recorded session.json
inline constexpr std::size_t kMaxInputWavBytes = 2048u << 20; // an --input WAV
inline constexpr std::size_t kMaxArenaBytes = 512u << 20;     // signal buffers of one program
// What the modules of one program allocate when prepared (delay lines, lookahead and reverb
// buffers), counted before any of it is allocated: about a thousand mono 5-second delay lines at
// 48 kHz, or 68 at 16 channels.
inline constexpr std::size_t kMaxModuleBytes = 1024u << 20;
inline constexpr double kMinSampleRate = 8000.0;
inline constexpr double kMaxSampleRate = 384000.0;

} // namespace mvm::limits

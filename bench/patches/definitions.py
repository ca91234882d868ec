"""The benchmark patches, defined once: bench/patches/generate writes them as mvm patches and
scores, and bench/peers/run writes the same patches for Faust, SuperCollider, Pure Data and Csound
from these numbers. Change a number here, run bench/patches/generate, and every engine follows."""

RATE = 48000

# (a) 64 summed sines: partial k at SINE_BASE_HZ + k * SINE_STEP_HZ, amplitude 1/64, mono.
SINES = 64
SINE_BASE_HZ = 110.0
SINE_STEP_HZ = 37.0

# (b) subtractive voice: band-limited saw -> resonant low-pass (cutoff = FILTER_HZ + FILTER_ENV_HZ * fenv)
# -> VCA (gain = aenv) ; voices summed * 1/16 -> feedback delay -> mono out.
VOICES = 16
NOTE_BASE = 36            # voice k plays MIDI note NOTE_BASE + NOTE_STEP * (k % 16)
NOTE_STEP = 3
PERIOD_S = 0.5            # every voice is retriggered every PERIOD_S ...
STAGGER_S = PERIOD_S / 16 # ... voice k's notes start k % 16 staggers into the period
GATE_S = 0.375            # ... and are held this long
FILTER_HZ = 200.0
FILTER_ENV_HZ = 4000.0
RESONANCE = 0.5           # mvm SVF resonance: damping k = sqrt(2) * (1 - 0.99 r)
FILTER_Q = 1.0 / (2 ** 0.5 * (1 - 0.99 * RESONANCE))  # = 1.40, the Q every other engine uses
# (c) the same voice with the 4-pole ladder in place of the state-variable filter: mvm's Ladder at this
# resonance, Faust's ve.moog_vcf(LADDER_RESONANCE, cutoff).
LADDER_RESONANCE = 0.54
FENV = dict(attack=0.005, decay=0.25, sustain=0.2, release=0.1)
AENV = dict(attack=0.005, decay=0.1, sustain=0.6, release=0.1)
VOICE_GAIN = 1.0 / 16
DELAY = dict(time=0.3, feedback=0.4, mix=0.3)  # out = dry*(1-mix) + wet*mix; wet fed back via tanh

RENDER_SECONDS = 30.0     # the peer comparison renders this much audio of each patch


def note_hz(note):
    return 440.0 * 2 ** ((note - 69) / 12)


def voice_note(k):
    return NOTE_BASE + NOTE_STEP * (k % 16)


def voice_events(voices=VOICES, seconds=RENDER_SECONDS):
    """(time_s, 'on'|'off', voice) for every note of (b), sorted by time."""
    events = []
    periods = int(seconds / PERIOD_S + 0.5)
    for p in range(periods):
        for k in range(voices):
            t = p * PERIOD_S + (k % 16) * STAGGER_S
            events.append((round(t, 6), "on", k))
            events.append((round(t + GATE_S, 6), "off", k))
    events.sort(key=lambda e: (e[0], e[1] == "on", e[2]))
    return events

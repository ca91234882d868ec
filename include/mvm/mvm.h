#pragma once
// Madrona VM: one include for users of the engine.

#include "mvm/compiler/compiler.h"
#include "mvm/compiler/disassembler.h"
#include "mvm/control/midi_file_score.h"
#include "mvm/control/meter_levels.h"
#include "mvm/control/midi_mapper.h"
#include "mvm/control/osc_dispatch.h"
#include "mvm/control/patch_manager.h"
#include "mvm/control/score.h"
#include "mvm/control/session.h"
#include "mvm/control/session_replay.h"
#include "mvm/dsp/builtin_modules.h"
#include "mvm/patch/patch_parser.h"
#include "mvm/patch/validate.h"
#include "mvm/vm/vm.h"

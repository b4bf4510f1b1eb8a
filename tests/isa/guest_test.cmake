# Guest test programs: i386 programs built with `gcc -m32 -static` (a custom
# command, because the project compiler targets x86-64), run natively and under
# dynemu-i386, outputs compared by run-guest-test. Included by tests/isa and
# tests/user (each includes it: the variables below are directory-scoped).

set(DYNEMU_TEST_ENGINES "interp;jit;compare" CACHE STRING
    "Engines (-accel values) the isa/user suites run under, e.g. interp;jit;compare")
set(DYNEMU_GUEST_CC "gcc" CACHE STRING "C compiler that builds the i386 guest test programs (-m32)")
set(DYNEMU_GUEST_DRIVER ${PROJECT_SOURCE_DIR}/tests/isa/run-guest-test)
# `ninja guest_programs` builds every guest program (they are also in ALL).
if(NOT TARGET guest_programs)
  add_custom_target(guest_programs)
endif()

# The emulator under test. The target may be defined by emulator/user; until it
# exists the tests fail with a clear message (or run DYNEMU_I386=qemu-i386).
if(TARGET dynemu-i386)
  set(DYNEMU_I386_PATH $<TARGET_FILE:dynemu-i386>)
else()
  set(DYNEMU_I386_PATH ${PROJECT_BINARY_DIR}/emulator/user/dynemu-i386)
endif()

# dynemu_guest_program(<name> SOURCES <files...> [OPTS O0 O2] [CFLAGS ...] [LIBS ...])
# Builds <name>.<opt> in the current binary dir for each opt level and sets
# <name>_<opt>_PATH in the caller's scope.
function(dynemu_guest_program name)
  cmake_parse_arguments(G "" "" "SOURCES;OPTS;CFLAGS;LIBS;DEPENDS" ${ARGN})
  if(NOT G_OPTS)
    set(G_OPTS O0 O2)
  endif()
  set(srcs)
  foreach(s IN LISTS G_SOURCES)
    list(APPEND srcs ${CMAKE_CURRENT_SOURCE_DIR}/${s})
  endforeach()
  set(outs)
  foreach(opt IN LISTS G_OPTS)
    set(out ${CMAKE_CURRENT_BINARY_DIR}/${name}.${opt})
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${DYNEMU_GUEST_CC} -m32 -static -${opt} -g -Wall -Wno-unused-function
              -fno-strict-aliasing -I${CMAKE_CURRENT_SOURCE_DIR} ${G_CFLAGS} -o ${out} ${srcs}
              ${G_LIBS}
      DEPENDS ${srcs} ${G_DEPENDS}
      COMMENT "Building i386 guest program ${name}.${opt}"
      VERBATIM)
    list(APPEND outs ${out})
    set(${name}_${opt}_PATH ${out} PARENT_SCOPE)
  endforeach()
  add_custom_target(guest_${name} ALL DEPENDS ${outs})
  add_dependencies(guest_programs guest_${name})
endfunction()

# dynemu_guest_test(<prefix> <name> SOURCES ... [OPTS ...] [CFLAGS ...] [LIBS ...]
#                   [EMU_ONLY] [ARGS ...] [ENVIRONMENT VAR=value...] [LABEL l] [TIMEOUT s])
# Builds the program and adds one ctest per opt level x engine, named
# <prefix>.<name>.<opt>.<engine>. EMU_ONLY tests run only under the emulator
# and pass on exit status 0 (for behaviour the host CPU cannot show, such as
# SSE raising SIGILL).
function(dynemu_guest_test prefix name)
  cmake_parse_arguments(G "EMU_ONLY" "LABEL;TIMEOUT"
                        "SOURCES;OPTS;CFLAGS;LIBS;ARGS;DEPENDS;ENVIRONMENT" ${ARGN})
  if(NOT G_OPTS)
    set(G_OPTS O0 O2)
  endif()
  if(NOT G_LABEL)
    set(G_LABEL ${prefix})
  endif()
  if(NOT G_TIMEOUT)
    set(G_TIMEOUT 600)
  endif()
  dynemu_guest_program(${prefix}_${name} SOURCES ${G_SOURCES} OPTS ${G_OPTS} CFLAGS ${G_CFLAGS}
                       LIBS ${G_LIBS} DEPENDS ${G_DEPENDS})
  set(mode)
  if(G_EMU_ONLY)
    set(mode --emu-only)
  endif()
  foreach(opt IN LISTS G_OPTS)
    foreach(engine IN LISTS DYNEMU_TEST_ENGINES)
      set(test ${prefix}.${name}.${opt}.${engine})
      add_test(NAME ${test}
               COMMAND ${DYNEMU_GUEST_DRIVER} --engine ${engine} --emu ${DYNEMU_I386_PATH} ${mode}
                       -- ${${prefix}_${name}_${opt}_PATH} ${G_ARGS})
      set_tests_properties(${test} PROPERTIES LABELS "${G_LABEL};${engine}" TIMEOUT ${G_TIMEOUT})
      if(G_ENVIRONMENT)
        set_tests_properties(${test} PROPERTIES ENVIRONMENT "${G_ENVIRONMENT}")
      endif()
    endforeach()
  endforeach()
endfunction()

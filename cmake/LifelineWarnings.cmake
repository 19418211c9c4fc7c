# Project-wide warning set and sanitizer switches, applied per target with lifeline_target_defaults().
function(lifeline_target_defaults target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wformat=2 -Wsuggest-override)
    if(LIFELINE_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
    lifeline_pch_register(${target})
endfunction()

if(LIFELINE_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()

# Targets whose files each instantiate Beast's TLS WebSocket and HTTP operations for the same coroutine types
# compile as one unit (CMake's unity build): the compiler then emits those templates once instead of once per
# file. Measured under ASan on the relay's ws/ files: 621 s of CPU as five files, 237 s as one. GCC's
# subobject-linkage warning misfires on the generated file (it includes the sources like headers).
function(lifeline_unity_build target)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
    target_compile_options(${target} PRIVATE -Wno-subobject-linkage)
endfunction()

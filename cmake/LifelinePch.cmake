# Precompiled headers. Most of a file's compile time went into parsing the same headers again: the
# 44,000-line lifeline.pb.h, Boost.Asio and Beast, GoogleTest, Qt (measured under ASan: a test file's 20 s
# compile was 9 s of parsing). Every target that calls lifeline_target_defaults() reuses one of four
# precompiled sets, built once each: GCC accepts a precompiled header only with the same -fPIC setting, so the
# Qt targets (Qt adds -fPIC) have their own, and only test programs get GoogleTest.
option(LIFELINE_PCH "Precompile the headers most files include" ON)

set(LIFELINE_PCH_STD
    <algorithm> <array> <atomic> <chrono> <cstdint> <cstring> <deque> <filesystem> <fstream> <functional> <map>
    <memory> <mutex> <optional> <regex> <set> <sstream> <stdexcept> <string> <string_view> <thread> <utility>
    <vector>)
set(LIFELINE_PCH_LIBS
    <spdlog/spdlog.h> <google/protobuf/util/json_util.h> <google/protobuf/util/time_util.h>
    <boost/asio/as_tuple.hpp> <boost/asio/co_spawn.hpp> <boost/asio/detached.hpp> <boost/asio/io_context.hpp>
    <boost/asio/ip/tcp.hpp> <boost/asio/post.hpp> <boost/asio/ssl.hpp> <boost/asio/steady_timer.hpp>
    <boost/asio/thread_pool.hpp> <boost/asio/use_awaitable.hpp> <boost/beast/core.hpp> <boost/beast/http.hpp>
    <boost/beast/ssl.hpp> <boost/beast/websocket.hpp> <boost/beast/websocket/ssl.hpp>
    <boost/json.hpp>)
set(LIFELINE_PCH_QT
    <QApplication> <QCheckBox> <QComboBox> <QDateTime> <QDialog> <QHBoxLayout> <QLabel> <QLineEdit>
    <QListWidget> <QPainter> <QPlainTextEdit> <QPointer> <QPushButton> <QSettings> <QString> <QTabWidget>
    <QThread> <QTimer> <QTreeWidget> <QVBoxLayout> <QWidget>)

# For libraries of a few small files: loading a 400 MB precompiled header costs more than the parsing it saves
# (ASan build: 2.8 s of CPU instead of 1.2 s for a 100-line file; 15.6 s instead of 23.9 s for a test file).
function(lifeline_without_pch target)
    set_property(TARGET ${target} PROPERTY LIFELINE_NO_PCH ON)
endfunction()

function(lifeline_pch_register target)
    if(LIFELINE_PCH)
        set_property(GLOBAL APPEND PROPERTY LIFELINE_PCH_TARGETS ${target})
    endif()
endfunction()

# Whether TARGET links (directly or through the project's own libraries) something matching REGEX.
function(_lifeline_links_to target regex out)
    set(pending ${target})
    set(seen "")
    while(pending)
        list(POP_FRONT pending current)
        if(current IN_LIST seen)
            continue()
        endif()
        list(APPEND seen ${current})
        get_target_property(imported ${current} IMPORTED)
        if(imported)
            continue()
        endif()
        get_target_property(links ${current} LINK_LIBRARIES)
        get_target_property(interface_links ${current} INTERFACE_LINK_LIBRARIES)
        foreach(link IN LISTS links interface_links)
            string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" link "${link}")
            if(link MATCHES "${regex}")
                set(${out} TRUE PARENT_SCOPE)
                return()
            endif()
            if(TARGET ${link})
                list(APPEND pending ${link})
            endif()
        endforeach()
    endwhile()
    set(${out} FALSE PARENT_SCOPE)
endfunction()

function(_lifeline_pch_anchor name)
    cmake_parse_arguments(A "" "" "HEADERS;LIBS" ${ARGN})
    add_library(${name} STATIC ${PROJECT_SOURCE_DIR}/cmake/pch_anchor.cpp)
    target_link_libraries(${name} PRIVATE ${A_LIBS})
    get_target_property(generated lifeline_proto INTERFACE_INCLUDE_DIRECTORIES)
    target_precompile_headers(${name} PRIVATE ${LIFELINE_PCH_STD} "${generated}/lifeline.pb.h" ${LIFELINE_PCH_LIBS}
                                              ${A_HEADERS})
endfunction()

# Called once at the end of the top-level CMakeLists.txt, when every target's libraries are known.
function(lifeline_pch_apply)
    get_property(targets GLOBAL PROPERTY LIFELINE_PCH_TARGETS)
    if(NOT targets)
        return()
    endif()
    # Imported targets are per directory: these are found where the tests and the Qt parts use them.
    find_package(GTest QUIET)
    if(LIFELINE_BUILD_QT)
        find_package(Qt6 REQUIRED COMPONENTS Widgets)
    endif()
    set(base_libs lifeline_proto Boost::headers Boost::json spdlog::spdlog OpenSSL::SSL)
    _lifeline_pch_anchor(lifeline_pch LIBS ${base_libs})
    if(TARGET GTest::gtest)
        _lifeline_pch_anchor(lifeline_pch_test HEADERS <gtest/gtest.h> LIBS ${base_libs} GTest::gtest)
    endif()
    if(LIFELINE_BUILD_QT)
        _lifeline_pch_anchor(lifeline_pch_qt HEADERS ${LIFELINE_PCH_QT} LIBS ${base_libs} Qt6::Widgets)
        if(TARGET GTest::gtest)
            _lifeline_pch_anchor(lifeline_pch_qt_test HEADERS ${LIFELINE_PCH_QT} <gtest/gtest.h>
                                 LIBS ${base_libs} Qt6::Widgets GTest::gtest)
        endif()
    endif()
    foreach(target IN LISTS targets)
        get_target_property(opted_out ${target} LIFELINE_NO_PCH)
        if(opted_out)
            continue()
        endif()
        _lifeline_links_to(${target} "^Qt6::" uses_qt)
        _lifeline_links_to(${target} "^GTest::" uses_gtest)
        set(anchor lifeline_pch)
        if(uses_qt)
            string(APPEND anchor _qt)
        endif()
        if(uses_gtest)
            string(APPEND anchor _test)
        endif()
        target_precompile_headers(${target} REUSE_FROM ${anchor})
        # GCC takes a precompiled header only if the macros it saw are defined alike (Boost's *_NO_LIB, spdlog's
        # and Qt's switches): every user gets its set's definitions.
        target_compile_definitions(${target} PRIVATE $<TARGET_PROPERTY:${anchor},COMPILE_DEFINITIONS>)
    endforeach()
endfunction()

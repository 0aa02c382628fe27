# install() rules: `cmake --install <build> --prefix <prefix>` puts
#   <prefix>/include/missive.h, <prefix>/include/missive.hpp (C++ wrapper)
#   <prefix>/lib/libmissive.a, <prefix>/lib/libmissive.so
#   <prefix>/lib/cmake/missive/missiveConfig.cmake (+ ConfigVersion): find_package(missive)
#   <prefix>/lib/pkgconfig/missive.pc: pkg-config --cflags --libs missive (Libs carry an
#   rpath to <prefix>/lib, so programs find libmissive.so at run time)
#   <prefix>/bin/missive, <prefix>/share/man/man1/missive*.1 (the command-line tool, when
#   MISSIVE_BUILD_CLI is on)
# (lib may be lib64 or lib/<multiarch>, as GNUInstallDirs decides.)

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(FILES "${MISSIVE_INCLUDE_DIR}/missive.h" "${PROJECT_SOURCE_DIR}/bindings/cpp/missive.hpp"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES "${MISSIVE_STATIC_LIB}" DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(FILES "${MISSIVE_SHARED_LIB}" DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
              WORLD_EXECUTE)

set(MISSIVE_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/missive")
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/missiveConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/missiveConfig.cmake"
  INSTALL_DESTINATION "${MISSIVE_CMAKE_INSTALL_DIR}"
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/missiveConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/missiveConfig.cmake"
              "${PROJECT_BINARY_DIR}/missiveConfigVersion.cmake"
  DESTINATION "${MISSIVE_CMAKE_INSTALL_DIR}")

# missive.pc finds the prefix relative to its own directory, so the tree can be moved.
set(_pcdir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
file(RELATIVE_PATH MISSIVE_PC_PREFIX_FROM_PCDIR "/prefix/${_pcdir}" "/prefix")
configure_file("${CMAKE_CURRENT_LIST_DIR}/missive.pc.in" "${PROJECT_BINARY_DIR}/missive.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/missive.pc" DESTINATION "${_pcdir}")

# A missive.pc for the build tree, <build>/pkgconfig/missive.pc: the header in include/ and the
# libraries where cargo put them, so that a checkout can build pkg-config users (the Go
# binding) with PKG_CONFIG_PATH=<build>/pkgconfig and no install.
file(WRITE "${PROJECT_BINARY_DIR}/pkgconfig/missive.pc"
"# missive.pc for the build tree (not installed): the library as cargo built it.
libdir=${MISSIVE_LIB_DIR}
includedir=${MISSIVE_INCLUDE_DIR}

Name: missive
Description: ${PROJECT_DESCRIPTION} (build tree)
Version: ${PROJECT_VERSION}
Cflags: -I\${includedir}
Libs: -L\${libdir} -Wl,-rpath,\${libdir} -lmissive
Libs.private: -lpthread -ldl -lm
")

if(MISSIVE_BUILD_CLI)
  install(PROGRAMS "${MISSIVE_CLI}" DESTINATION "${CMAKE_INSTALL_BINDIR}")
  install(DIRECTORY "${MISSIVE_MAN_DIR}/" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1"
    FILES_MATCHING PATTERN "*.1")
endif()

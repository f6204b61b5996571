# Debian package of the binary, man page, completions and the systemd user unit.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "megarouter")
set(CPACK_PACKAGE_CONTACT "megarouter developers <dev@megarouter.local>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "AI gateway and LLM router: CLI, catalog, routing, OpenAI/Anthropic-compatible proxy")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Opened with dlopen on first use (src/upstream/curl_loader.cpp), so
# dpkg-shlibdeps cannot see it.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4")
# Opened only for a PostgreSQL store (src/store/libpq.cpp).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libpq5")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The build keeps debug information (RelWithDebInfo: 168 MB for megarouter);
# the package ships the binaries stripped (about 4 MB). Debug with the
# build tree's binaries.
set(CPACK_STRIP_FILES ON)
include(CPack)

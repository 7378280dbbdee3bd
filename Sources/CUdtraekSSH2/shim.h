#ifndef CUDTRAEK_SSH2_SHIM_H
#define CUDTRAEK_SSH2_SHIM_H

#include <libssh2.h>
#include <libssh2_sftp.h>

/* Swift cannot call C macros; these wrappers give the macros a function each. */

static inline LIBSSH2_SESSION *udtraek_ssh2_session_init(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
}

static inline unsigned long udtraek_sftp_fx_no_such_file(void) { return LIBSSH2_FX_NO_SUCH_FILE; }
static inline unsigned long udtraek_sftp_fx_file_already_exists(void) { return LIBSSH2_FX_FILE_ALREADY_EXISTS; }
static inline unsigned long udtraek_sftp_fx_failure(void) { return LIBSSH2_FX_FAILURE; }
static inline unsigned long udtraek_sftp_fx_permission_denied(void) { return LIBSSH2_FX_PERMISSION_DENIED; }
static inline unsigned long udtraek_sftp_fx_op_unsupported(void) { return LIBSSH2_FX_OP_UNSUPPORTED; }

static inline int udtraek_sftp_is_dir(unsigned long permissions) { return LIBSSH2_SFTP_S_ISDIR(permissions); }
static inline int udtraek_sftp_is_reg(unsigned long permissions) { return LIBSSH2_SFTP_S_ISREG(permissions); }

static inline long udtraek_ssh2_version_num(void) { return LIBSSH2_VERSION_NUM; }

#endif

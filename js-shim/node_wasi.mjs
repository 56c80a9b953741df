// node_wasi.mjs - the WASI preview1 imports of lyng.wasm and lyng-cli.wasm on
// Node: the twelve functions the modules import (clock, stdio, and reading
// files through preopened directories), over node:fs. It replaces node:wasi,
// whose loading, constructor (a copy of the environment the modules never
// read) and native functions (V8 compiles a wrapper for each import of a
// native function when the module is instantiated) cost a few milliseconds
// at every start of bin/lyng. Files are opened, read, written and closed
// synchronously, as node:wasi does. A build whose C code comes to import
// another WASI function (getenv: environ_get) fails to instantiate with a
// LinkError naming it: it is then to be added here.

// WASI errno values (wasi_snapshot_preview1)
const OK = 0;
const EBADF = 8;
const EINVAL = 28;
const EIO = 29;
const ENOSYS = 52;
const ENOTCAPABLE = 76;
const ESPIPE = 70;
const EPIPE = 64;
const ERRNO = {
  E2BIG: 1, EACCES: 2, EAGAIN: 6, EBADF, EBUSY: 10, EEXIST: 20, EFBIG: 22, EINTR: 27, EINVAL, EIO,
  EISDIR: 31, ELOOP: 32, EMFILE: 33, EMLINK: 34, ENAMETOOLONG: 37, ENFILE: 41, ENODEV: 43, ENOENT: 44,
  ENOMEM: 48, ENOSPC: 51, ENOSYS, ENOTDIR: 54, ENOTEMPTY: 55, ENOTSUP: 58, ENXIO: 60, EOVERFLOW: 61,
  EPERM: 63, EPIPE, EROFS: 69, ESPIPE, ETXTBSY: 74, EXDEV: 75,
};
const errno = (err) => ERRNO[err?.code] ?? EIO;

const FILETYPE = { UNKNOWN: 0, BLOCK: 1, CHAR: 2, DIR: 3, FILE: 4, SOCKET: 6, SYMLINK: 7 };
// Rights: all of them, or a terminal's (no seek or tell: wasi-libc's isatty
// asks for exactly that, and line-buffers stdout on a terminal).
const RIGHTS_ALL = 0x1fffffffn;
const RIGHT_SEEK = 1n << 2n;
const RIGHT_TELL = 1n << 5n;
const RIGHTS_TTY = RIGHTS_ALL & ~(RIGHT_SEEK | RIGHT_TELL);
const RIGHT_READ = 1n << 1n;
const RIGHT_READDIR = 1n << 14n;
const RIGHTS_WRITING = (1n << 0n) | (1n << 6n) | (1n << 8n) | (1n << 22n); // datasync, write, allocate, set_size
const OFLAG = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 };
const FDFLAG = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 };
const LOOKUP_SYMLINK_FOLLOW = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Thrown by proc_exit: the C code asked to end the process.
export class WasiExit extends Error {
  constructor(code) {
    super(`lyng: the program exited with status ${code}`);
    this.code = code;
  }
}

// fs: node:fs; path: node:path; preopens: { guestDir: hostDir };
// isatty(fd): node:tty's. Returns { imports, initialize(instance) }.
// A path may not leave its preopened directory by "..", but symbolic links
// are followed wherever they lead (node:wasi checks them; the command line
// preopens "/" anyway, and createLyng nothing).
export function createNodeWasi({ fs, path, preopens = {}, isatty }) {
  let memory = null;
  const view = () => new DataView(memory.buffer);
  const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr, len);
  const str = (ptr, len) => decoder.decode(bytes(ptr, len));

  // guest fd -> { host (a Node fd, or null for a preopened directory),
  //   dir (the host path of a directory, for paths relative to it),
  //   name (a preopen's guest path), pos (the offset of a regular file,
  //   or null to use the descriptor's own), append }
  const fds = new Map([0, 1, 2].map((fd) => [fd, { host: fd, pos: null }]));
  for (const [guest, host] of Object.entries(preopens)) {
    fds.set(fds.size, { host: null, dir: path.resolve(host), name: guest, pos: null });
  }
  let nextFd = fds.size;

  // The host path of `rel` under the directory fd `dirfd`, or null when it
  // would leave that directory.
  function resolve(dirfd, ptr, len) {
    const dir = fds.get(dirfd)?.dir;
    if (dir == null) return null;
    const full = path.resolve(dir, str(ptr, len));
    const inside = full === dir || full.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
    return inside ? full : null;
  }

  function filetype(stats) {
    if (stats.isFile()) return FILETYPE.FILE;
    if (stats.isDirectory()) return FILETYPE.DIR;
    if (stats.isCharacterDevice()) return FILETYPE.CHAR;
    if (stats.isBlockDevice()) return FILETYPE.BLOCK;
    if (stats.isSymbolicLink()) return FILETYPE.SYMLINK;
    if (stats.isSocket() || stats.isFIFO()) return FILETYPE.SOCKET;
    return FILETYPE.UNKNOWN;
  }

  // Runs fn over each iovec (ptr, len) until one is short; the total goes to *out.
  function eachIov(iovs, count, out, fn) {
    const v = view();
    let total = 0;
    for (let i = 0; i < count; i++) {
      const ptr = v.getUint32(iovs + 8 * i, true);
      const len = v.getUint32(iovs + 8 * i + 4, true);
      const n = fn(ptr, len);
      total += n;
      if (n < len) break;
    }
    view().setUint32(out, total, true);
    return OK;
  }

  const imports = {
    clock_time_get(id, _precision, out) {
      let ns;
      if (id === 0) ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
      else if (id === 1) ns = process.hrtime.bigint();
      else if (id === 2 || id === 3) ns = BigInt(process.cpuUsage().user + process.cpuUsage().system) * 1000n;
      else return EINVAL;
      view().setBigUint64(out, ns, true);
      return OK;
    },

    fd_prestat_get(fd, out) {
      const f = fds.get(fd);
      if (!f || f.name == null) return EBADF;
      const v = view();
      v.setUint8(out, 0); // a directory
      v.setUint32(out + 4, encoder.encode(f.name).length, true);
      return OK;
    },

    fd_prestat_dir_name(fd, ptr, len) {
      const f = fds.get(fd);
      if (!f || f.name == null) return EBADF;
      encoder.encodeInto(f.name, bytes(ptr, len));
      return OK;
    },

    fd_fdstat_get(fd, out) {
      const f = fds.get(fd);
      if (!f) return EBADF;
      let type = FILETYPE.DIR;
      let rights = RIGHTS_ALL;
      if (f.host != null) {
        try {
          type = filetype(fs.fstatSync(f.host));
        } catch (err) {
          return errno(err);
        }
        // node:tty only for a character device: loading it costs more than the rest of this
        if (type === FILETYPE.CHAR && isatty(f.host)) rights = RIGHTS_TTY;
      }
      const v = view();
      v.setUint8(out, type);
      v.setUint16(out + 2, f.append ? FDFLAG.APPEND : 0, true);
      v.setBigUint64(out + 8, rights, true);
      v.setBigUint64(out + 16, rights, true);
      return OK;
    },

    // Node cannot change a descriptor's flags (fcntl); nothing in the C code asks to.
    fd_fdstat_set_flags(_fd, _flags) { return ENOSYS; },

    fd_read(fd, iovs, count, out) {
      const f = fds.get(fd);
      if (!f || f.host == null) return EBADF;
      try {
        return eachIov(iovs, count, out, (ptr, len) => {
          let n;
          for (;;) {
            try {
              n = fs.readSync(f.host, bytes(ptr, len), 0, len, f.pos);
              break;
            } catch (err) {
              if (err.code !== 'EAGAIN') throw err; // a non-blocking stdin: wait for the writer
            }
          }
          if (f.pos != null) f.pos += n;
          return n;
        });
      } catch (err) {
        return errno(err);
      }
    },

    fd_write(fd, iovs, count, out) {
      const f = fds.get(fd);
      if (!f || f.host == null) return EBADF;
      try {
        return eachIov(iovs, count, out, (ptr, len) => {
          let off = 0;
          while (off < len) {
            try {
              off += fs.writeSync(f.host, bytes(ptr + off, len - off), 0, len - off, f.append ? null : f.pos);
            } catch (err) {
              if (err.code !== 'EAGAIN') throw err; // a full non-blocking pipe: wait for the reader
            }
          }
          if (f.pos != null && !f.append) f.pos += len;
          return len;
        });
      } catch (err) {
        return err.code === 'EPIPE' ? EPIPE : errno(err);
      }
    },

    fd_seek(fd, offset, whence, out) {
      const f = fds.get(fd);
      if (!f || f.host == null) return EBADF;
      if (f.pos == null) return ESPIPE;
      let base;
      if (whence === 0) base = 0n;
      else if (whence === 1) base = BigInt(f.pos);
      else if (whence === 2) {
        try { base = BigInt(fs.fstatSync(f.host).size); } catch (err) { return errno(err); }
      } else return EINVAL;
      const pos = base + offset;
      if (pos < 0n) return EINVAL;
      f.pos = Number(pos);
      view().setBigUint64(out, pos, true);
      return OK;
    },

    fd_close(fd) {
      const f = fds.get(fd);
      if (!f) return EBADF;
      fds.delete(fd);
      if (f.host != null && fd > 2) {
        try { fs.closeSync(f.host); } catch (err) { return errno(err); }
      }
      return OK;
    },

    path_filestat_get(dirfd, flags, ptr, len, out) {
      const file = resolve(dirfd, ptr, len);
      if (file == null) return fds.has(dirfd) ? ENOTCAPABLE : EBADF;
      let s;
      try {
        const opts = { bigint: true };
        s = flags & LOOKUP_SYMLINK_FOLLOW ? fs.statSync(file, opts) : fs.lstatSync(file, opts);
      } catch (err) {
        return errno(err);
      }
      const v = view();
      v.setBigUint64(out, s.dev, true);
      v.setBigUint64(out + 8, s.ino, true);
      v.setUint8(out + 16, filetype(s));
      v.setBigUint64(out + 24, s.nlink, true);
      v.setBigUint64(out + 32, s.size, true);
      v.setBigUint64(out + 40, s.atimeNs, true);
      v.setBigUint64(out + 48, s.mtimeNs, true);
      v.setBigUint64(out + 56, s.ctimeNs, true);
      return OK;
    },

    path_open(dirfd, dirflags, ptr, len, oflags, rightsBase, _rightsInheriting, fdflags, out) {
      const file = resolve(dirfd, ptr, len);
      if (file == null) return fds.has(dirfd) ? ENOTCAPABLE : EBADF;
      const c = fs.constants;
      const reads = (rightsBase & (RIGHT_READ | RIGHT_READDIR)) !== 0n;
      const writes = (rightsBase & RIGHTS_WRITING) !== 0n;
      let flags = reads && writes ? c.O_RDWR : writes ? c.O_WRONLY : c.O_RDONLY;
      if (oflags & OFLAG.CREAT) flags |= c.O_CREAT;
      if (oflags & OFLAG.DIRECTORY) flags |= c.O_DIRECTORY;
      if (oflags & OFLAG.EXCL) flags |= c.O_EXCL;
      if (oflags & OFLAG.TRUNC) flags |= c.O_TRUNC;
      if (fdflags & FDFLAG.APPEND) flags |= c.O_APPEND;
      if (fdflags & FDFLAG.NONBLOCK) flags |= c.O_NONBLOCK;
      if (fdflags & (FDFLAG.SYNC | FDFLAG.RSYNC)) flags |= c.O_SYNC;
      else if (fdflags & FDFLAG.DSYNC) flags |= c.O_DSYNC;
      if (!(dirflags & LOOKUP_SYMLINK_FOLLOW)) flags |= c.O_NOFOLLOW;
      let host;
      let stats;
      try {
        host = fs.openSync(file, flags);
        stats = fs.fstatSync(host);
      } catch (err) {
        if (host !== undefined) fs.closeSync(host);
        return errno(err);
      }
      const fd = nextFd++;
      const isDir = stats.isDirectory();
      fds.set(fd, {
        host, dir: isDir ? file : undefined, pos: stats.isFile() ? 0 : null, append: !!(fdflags & FDFLAG.APPEND),
      });
      view().setUint32(out, fd, true);
      return OK;
    },

    proc_exit(code) { throw new WasiExit(code); },
  };

  return {
    imports: { wasi_snapshot_preview1: imports },
    initialize(instance) {
      memory = instance.exports.memory;
      instance.exports._initialize?.();
    },
  };
}

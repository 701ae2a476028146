# Mount helpers for an emulated root (sourced). Every mount made here is listed in ROOT/.mounts and undone,
# last first, by unmount_all — also after an error, through the callers' EXIT traps.

mount_system() {  # ROOT: /proc and /dev for the chroot
  _mount "$1" /proc -t proc proc
  _mount "$1" /dev --bind /dev
}

mount_bind() {  # ROOT SOURCE TARGET-INSIDE [ro]
  _mount "$1" "$3" --bind "$2"
  if [ "${4:-}" = ro ]; then mount -o remount,bind,ro "$1$3"; fi
}

_mount() {  # ROOT TARGET-INSIDE MOUNT-ARGS...
  local root=$1 target=$1$2; shift 2
  mkdir -p "$target"
  mountpoint -q "$target" && return 0
  mount "$@" "$target"
  echo "$target" >> "$root/.mounts"
}

unmount_all() {  # ROOT
  local list=$1/.mounts target
  [ -f "$list" ] || return 0
  tac "$list" | while read -r target; do
    if mountpoint -q "$target"; then umount "$target" || umount -l "$target"; fi
  done
  rm -f "$list"
}

# SPDX-License-Identifier: GPL-2.0-only
# bash completion for colo-xdp: subcommands, and each subcommand's options as its --help lists them.
_colo_xdp() {
	local cur=${COMP_WORDS[COMP_CWORD]} cmds opts
	cmds="attach detach status stats conns run replay agent state"
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "$cmds --help --version" -- "$cur")
		return
	fi
	case $cur in
	-*)
		opts=$("${COMP_WORDS[0]}" "${COMP_WORDS[1]}" --help 2>/dev/null |
			grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		;;
	*)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	esac
}
complete -F _colo_xdp colo-xdp

// serctl, SER's command-line management tool (admin guide §5.1). The management interface
// (FIFO, JSON-RPC) it talks to is not part of this version, so for now it only prints its usage.

export const SERCTL_USAGE = `usage:
           * subscribers *
 serctl add <username> <password> <email> .. add a new subscriber (*)
 serctl passwd <username> <passwd> ......... change user's password (*)
 serctl rm <username> ...................... delete a user (*)
 serctl mail <username> .................... send an email to a user
 serctl alias show [<alias>] ............... show aliases
 serctl alias rm <alias> ................... remove an alias
 serctl alias add <alias> <uri> ............ add an aliases

           * access control lists *
 serctl acl show [<username>] .............. show user membership
 serctl acl grant <username> <group> ....... grant user membership (*)
 serctl acl revoke <username> [<group>] .... grant user membership(s) (*)

           * usrloc *
 serctl ul show [<username>]................ show in-RAM online users
 serctl ul rm <username> ................... delete user's UsrLoc entries
 serctl ul add <username> <uri> ............ introduce a permanent UrLoc entry
 serctl showdb [<username>] ................ show online users flushed in DB

           * server health *
 serctl monitor ............................ show internal status
 serctl ps ................................. show runnig processes
 serctl fifo ............................... send raw commands to FIFO

           * server control *
 serctl start .............................. start ser
 serctl stop ............................... stop ser
 serctl restart ............................ restart ser

   Commands labeled with (*) will prompt for a MySQL password.
   If the variable PW is set, the password will not be prompted.

   In this version serctl prints this usage only: the management interface it talks to
   (the FIFO server, JSON-RPC) is not available yet.
`;

/** Returns the exit status. */
export function run(argv: readonly string[]): number {
  process.stdout.write(SERCTL_USAGE);
  return argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' ? 0 : 1;
}

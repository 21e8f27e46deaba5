// How the CLI's process allocates: glibc's malloc, told to ask for transparent huge pages.
#pragma once

namespace crossocr::cli {

// Where the kernel gives transparent huge pages only to memory that asks for them (THP
// "madvise", as on this project's Debian machine), and GLIBC_TUNABLES is not set by the user,
// runs this program again, now, with glibc's malloc set to ask for them and to keep large freed
// blocks for reuse (glibc reads its tunables once, at start-up). Returns when there is nothing
// to do or the run could not be replaced; the program then goes on as it is.
void rerun_with_huge_pages(char** argv);

}  // namespace crossocr::cli

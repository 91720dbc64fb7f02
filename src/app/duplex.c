/*
 * duplex: the command. Everything it does starts in cli.c.
 */
#include <stdio.h>

#include "app/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv, stdin, stdout, stderr);
}

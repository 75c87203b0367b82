" thidua rule files
autocmd BufRead,BufNewFile *.rules setfiletype thidua

### Borrador de traducción automática: cada mensaje está marcado # unreviewed hasta que alguien de la planta lo revise; después, # reviewed: nombre fecha.
### Palabras que comparten todas las pantallas: el estado de una unidad, antigüedades, diálogos, el teclado en pantalla.

## El estado de una unidad, con la palabra que usó su recuadro en la pantalla Ejecución

# unreviewed
status-pass = { -pass }
    .meaning = aprovisionada y registrada
# unreviewed
status-fail = { -fail }
    .meaning = falló; no se puso nada de ella en cola
# unreviewed
status-committing = { -open }
    .meaning = sin decidir: vuelva a poner la { -board } en cualquier { -slot } y procésela de nuevo
# unreviewed
status-in_progress = { -running }
    .meaning = aprovisionándose en este momento
# unreviewed
status-interrupted = { -interrupted }
    .meaning = detenida por un corte de luz; su credencial se retiró
# unreviewed
status-superseded = { -reworked }
    .meaning = aprovisionada de nuevo por un retrabajo; una { -unit } posterior la reemplaza

## Hace cuánto tiempo, de un vistazo

# unreviewed
age-seconds = { $s } s
# unreviewed
age-minutes = { $m } min
# unreviewed
age-hours = { $h } h { $m } min
# unreviewed
age-days = { $d ->
    [one] { $d } día
   *[other] { $d } días
}

## Diálogos

# unreviewed
confirm-cancel = Cancelar
# unreviewed
error-unexpected = Ocurrió un error que la pantalla no esperaba.
    .help = Intente de nuevo; si vuelve a pasar, llame a un { -supervisor }.

## El teclado en pantalla

# unreviewed
osk-show = Mostrar el teclado en pantalla
# unreviewed
osk-hide-label = Ocultar el teclado en pantalla
# unreviewed
osk-name = Teclado en pantalla
# unreviewed
osk-hint = Toque un campo y escriba aquí.
# unreviewed
osk-space = espacio
# unreviewed
osk-delete = Borrar
# unreviewed
osk-enter = Enter
# unreviewed
osk-hide = Ocultar

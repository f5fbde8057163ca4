### Borrador de traducción automática: cada mensaje está marcado # unreviewed hasta que alguien de la planta lo revise; después, # reviewed: nombre fecha.
### La pantalla Ejecución: sus recuadros, el campo de escaneo, el resumen de la ejecución y los pasos de una unidad.

## La barra de ejecución

# unreviewed
run-work-order = { -work-order(form: "title") }
# unreviewed
run-work-order-none = sin definir
# unreviewed
run-product = { -product(form: "title") }
# unreviewed
run-scan-into = Escanee el { -serial } en la { -slot } { $slot }
# unreviewed
run-scan-to-start = Escanee el { -serial } para iniciar la { -slot } { $slot }
# unreviewed
run-scan-all-done = Cada { -slot } tiene un { -serial }: toque un recuadro para escanearlo de nuevo
# unreviewed
run-start-all = Iniciar todas
# unreviewed
run-start-slot = Iniciar { -slot } { $slot }
# unreviewed
run-start = Iniciar
# unreviewed
run-details = Detalles
# "PASA: 30 · FALLA: 0 · VACÍA: 2": las partes se unen con run-summary-join. La palabra va
# primero y el número después, para que la palabra del recuadro no tenga que ir en plural.
# unreviewed
run-summary-pass = { -pass }: { $count }
# unreviewed
run-summary-fail = { -fail }: { $count }
# unreviewed
run-summary-fail-slots = { -fail }: { $count } ({ $count ->
    [one] { -slot } { $slots }
   *[other] { -slot(form: "plural") } { $slots }
})
# unreviewed
run-summary-open = { -open }: { $count } ({ $count ->
    [one] { -slot } { $slots }
   *[other] { -slot(form: "plural") } { $slots }
})
# unreviewed
run-summary-done = { -done }: { $count }
# unreviewed
run-summary-empty = { -empty }: { $count }
# unreviewed
run-summary-join = {" · "}
# unreviewed
run-list-join = {", "}

## Un producto que la estación no puede ejecutar ahora

# unreviewed
run-unavailable = El { -product } { $product } no se puede ejecutar ahora en esta { -station }: { $why }
# unreviewed
run-unavailable-slots = El { -product } { $product } no se puede ejecutar ahora en esta { -station } ({ $count ->
    [one] { -slot } { $slots }
   *[other] { -slot(form: "plural") } { $slots }
}): { $why }
# unreviewed
run-unavailable-tile = El { -product } { $product } no se puede ejecutar ahora: vea arriba

## Recuadros

# unreviewed
tile-slot = { -slot(form: "title") } { $slot }
# unreviewed
tile-no-serial = aún sin { -serial }
# unreviewed
tile-failed-at = Falló: { $step }
# unreviewed
tile-open-help = Sin decidir: procese esta { -board } de nuevo
# unreviewed
tile-registered = Registrada en { -dps }: { $hub }
# unreviewed
tile-mismatch = ≠ escaneado { $serial }
# unreviewed
tile-next-board = · siguiente { -board }: { $serial }
# unreviewed
tile-word-idle = { -ready }
# unreviewed
tile-word-queued = { -wait }
# unreviewed
tile-word-pass = { -pass }
# unreviewed
tile-word-fail = { -fail }
# unreviewed
tile-word-open = { -open }
# unreviewed
tile-word-empty = { -empty }
# unreviewed
tile-word-done = { -done }

## Lo que dice el campo de escaneo cuando un escaneo no puede ir a ningún lado

# unreviewed
scan-duplicate = El { -serial } { $serial } ya está escaneado en la { -slot } { $slot }
    .help = Escanee la etiqueta de la { -board } de esta { -slot }: una { -board } por { -slot }.
# unreviewed
scan-no-slot = Cada { -slot } ya tiene un { -serial } escaneado
    .help = Toque el recuadro de la { -slot } donde está esta { -board } y presione Enter de nuevo.

## Cuando una ejecución no da resultado para una ranura

# unreviewed
run-no-result = La { -station } no dio resultado para esta { -slot }.
    .help = Procese la { -board } de nuevo. Si vuelve a pasar, llame a un { -supervisor }: la bitácora dice por qué.
# unreviewed
rework-failed = No se retrabajó la { -slot } { $slot }: { $why }
    .help = Vea el recuadro de la { -slot } en la pantalla Ejecución y los detalles de la { -unit }.
# unreviewed
rework-unit-failed = la { -unit } falló

## Los pasos de una unidad, como los nombra el recuadro mientras se ejecuta

# unreviewed
step-identify = Identificando la { -board }
# unreviewed
step-read-ek = Leyendo el chip de seguridad de la { -board }
# unreviewed
step-attest = Preparando su identidad
# unreviewed
step-keygen = Generando la clave de la { -board }
# unreviewed
step-check-csr = Revisando la solicitud de certificado de la { -board }
# unreviewed
step-issue = Emitiendo el certificado
# unreviewed
step-install-certificate = Instalando el certificado
# unreviewed
step-write-settings = Escribiendo la configuración de la nube
# unreviewed
step-save = Guardando en la memoria de la { -board }
# unreviewed
step-reset = Reiniciando la { -board }
# unreviewed
step-verify = Releyendo la configuración
# unreviewed
step-lock = Bloqueando la { -board }
# unreviewed
step-record = Registrando la { -unit }
# unreviewed
step-register = Registrando en { -dps }

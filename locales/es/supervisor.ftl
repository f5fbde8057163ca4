### Borrador de traducción automática: cada mensaje está marcado # unreviewed hasta que alguien de la planta lo revise; después, # reviewed: nombre fecha.
### La pantalla Supervisor: la orden de trabajo, el retrabajo, la exportación de lotes, el producto
### de cada ranura, la bitácora de auditoría, la configuración y los operadores. La leen
### supervisores y administradores, así que puede ser un poco más técnica que las pantallas del técnico.

## El encabezado de la pantalla y lo que se le dice a un técnico

# unreviewed
sup-title = { -supervisor(form: "title") }
# Se muestra arriba de los controles cuando un técnico abre la pantalla: la estación rechaza las acciones.
# unreviewed
sup-needs-supervisor = Estas acciones requieren un { -supervisor }; la { -station } las rechaza para un { -technician }.

## Orden de trabajo

# unreviewed
sup-work-order = { -work-order(form: "title") }
# El nombre del campo de la orden de trabajo, que lee en voz alta un lector de pantalla.
# unreviewed
sup-work-order-input = Nueva { -work-order }
# Un ejemplo de número de orden de trabajo, que se muestra en el campo vacío; se deja el formato propio de la planta.
# unreviewed
sup-work-order-placeholder = WO-…
# unreviewed
sup-work-order-button = Definir { -work-order }
# Se pregunta antes de cambiar la orden de trabajo. $from: la orden de trabajo actual, $to: la nueva.
# unreviewed
sup-work-order-confirm-change = ¿Cambiar la { -work-order } de { $from } a { $to }? Toda { -board } aprovisionada de ahora en adelante se registra con ella.
# Se pregunta antes de definir una orden de trabajo donde no había ninguna. $to: la nueva.
# unreviewed
sup-work-order-confirm-set = ¿Definir la { -work-order } { $to }? Toda { -board } aprovisionada de ahora en adelante se registra con ella.
# Se pregunta antes de vaciar la orden de trabajo. $from: la orden de trabajo actual.
# unreviewed
sup-work-order-confirm-clear = ¿Quitar la { -work-order } { $from }? Toda { -board } aprovisionada de ahora en adelante se registra sin ninguna.
# Se pregunta cuando el campo está vacío y tampoco hay orden de trabajo definida.
# unreviewed
sup-work-order-confirm-clear-none = ¿Dejar la { -station } sin { -work-order }? Toda { -board } aprovisionada de ahora en adelante se registra sin ninguna.
# El botón del diálogo de confirmación.
# unreviewed
sup-work-order-confirm-verb = Cambiar { -work-order }
# unreviewed
sup-work-order-done = { -work-order(form: "title") } definida: { $workOrder }
# unreviewed
sup-work-order-cleared = Ahora no hay ninguna { -work-order } definida

## Retrabajar una unidad

# unreviewed
sup-rework-title = Retrabajar una { -unit }
# unreviewed
sup-rework-help = Aprovisiona de nuevo la { -board } de una { -slot } aunque ya haya pasado; la bitácora de auditoría lo registra.
# unreviewed
sup-rework-slot-label = { -slot(form: "title") } a retrabajar
# Una opción de la lista de ranuras.
# unreviewed
sup-slot = { -slot(form: "title") } { $slot }
# unreviewed
sup-rework-button = Retrabajar { -slot }
# Se pregunta antes de un retrabajo, cuando no se conoce la placa de la ranura.
# unreviewed
sup-rework-confirm = ¿Retrabajar la { -slot } { $slot }? La { -board } que contiene se aprovisiona de nuevo y su { -unit } anterior se reemplaza.
# Se pregunta antes de un retrabajo. $board: el número de serie de la placa de la ranura.
# unreviewed
sup-rework-confirm-board = ¿Retrabajar la { -slot } { $slot } ({ -board } { $board })? La { -board } que contiene se aprovisiona de nuevo y su { -unit } anterior se reemplaza.
# Se pregunta antes de un retrabajo. $board: el número de serie de la placa de la ranura; $unit: el número de su unidad registrada.
# unreviewed
sup-rework-confirm-unit = ¿Retrabajar la { -slot } { $slot } ({ -board } { $board }, { -unit } #{ $unit })? La { -board } que contiene se aprovisiona de nuevo y su { -unit } anterior se reemplaza.
# El botón del diálogo de confirmación.
# unreviewed
sup-rework-verb = Retrabajar
# unreviewed
sup-rework-done = { -slot(form: "title") } { $slot } retrabajada: vea la pantalla Ejecución

## Exportar un lote

# unreviewed
sup-export-title = Exportar un lote
# El operador de los dispositivos: el cliente que opera los dispositivos en campo y los inscribe.
# unreviewed
sup-export-help = Un lote firmado de { -enrollment(form: "plural") } para el operador de los dispositivos.
# unreviewed
sup-export-work-order = { -work-order(form: "title") } (vacío: todas)
# unreviewed
sup-export-work-order-placeholder = cualquier { -work-order }
# unreviewed
sup-export-queued-only = Solo { -enrollment(form: "plural") } aún no subidas
# unreviewed
sup-export-drive = Escribir en
# unreviewed
sup-export-drive-disk = el disco de esta { -station }
# $label: el nombre de la memoria USB, como lo muestra la computadora.
# unreviewed
sup-export-drive-usb = Memoria USB { $label }
# unreviewed
sup-export-no-drive = Conecte una memoria USB para llevarse el lote.
# unreviewed
sup-export-button = Exportar lote
# unreviewed
sup-export-busy = Exportando…
# unreviewed
sup-export-dir = Carpeta
# unreviewed
sup-export-records = Registros
# La huella digital de la lista de archivos del lote.
# unreviewed
sup-export-manifest = Manifiesto SHA-256
# unreviewed
sup-export-certificate = Certificado
# Seguido del comando que el operador de los dispositivos escribe en su propia computadora (no en esta estación).
# unreviewed
sup-export-verify = Entregue la carpeta y el certificado al operador de los dispositivos; él verifica el lote con este comando:
# Después de una exportación al disco de la estación.
# unreviewed
sup-export-done = { $count ->
    [one] Se exportó { $count } registro
   *[other] Se exportaron { $count } registros
}
# Después de una exportación a una memoria USB: los archivos ya están en ella, así que se puede retirar ahora. $drive: dónde se escribió.
# unreviewed
sup-export-done-drive = { $count ->
    [one] Se exportó { $count } registro a { $drive }: todo está escrito, puede retirar la memoria
   *[other] Se exportaron { $count } registros a { $drive }: todo está escrito, puede retirar la memoria
}

## El producto de cada ranura

# unreviewed
sup-slots-title = { -product(form: "title") } de cada { -slot }
# unreviewed
sup-slots-help = El { -product } que aprovisiona cada { -slot }. Un cambio aplica desde la siguiente ejecución de la { -slot }; elija el { -product } configurado para regresar una { -slot } a la configuración.
# unreviewed
sup-slots-slot = { -slot(form: "title") }
# unreviewed
sup-slots-product = { -product(form: "title") }
# Columna: el producto que el archivo de configuración de la estación le da a la ranura.
# unreviewed
sup-slots-configured = Configurado
# unreviewed
sup-slots-product-label = { -product(form: "title") } de la { -slot } { $slot }
# Una opción de la lista de productos de una ranura. $attestation: cómo se identifica la placa (symmetric-key, x509, tpm), se deja igual.
# unreviewed
sup-slots-product-option = { $product } ({ $attestation })
# unreviewed
sup-slots-product-option-unavailable = { $product } ({ $attestation }): no se puede ejecutar ahora
# Después del producto configurado, cuando la ranura ahora ejecuta otro.
# unreviewed
sup-slots-changed = (cambiado)
# unreviewed
sup-slots-apply = Aplicar
# Después de Aplicar. $changes: los cambios, cada uno como sup-slots-change-item, unidos con sup-list-join.
# unreviewed
sup-slots-done = { $count ->
    [one] { $count } { -slot } cambiada: { $changes }
   *[other] { $count } { -slot(form: "plural") } cambiadas: { $changes }
}
# unreviewed
sup-slots-change-item = { -slot } { $slot } ahora ejecuta { $product }
# unreviewed
sup-slots-none = Ninguna { -slot } cambió
# unreviewed
sup-list-join = {", "}

## Bitácora de auditoría

# unreviewed
sup-audit-title = Bitácora de auditoría
# unreviewed
sup-audit-button = Mostrar bitácora de auditoría

## Configuración

# unreviewed
sup-config-title = Configuración (solo lectura)
# unreviewed
sup-config-button = Mostrar configuración

## Operadores

# unreviewed
sup-operators-title = { -operator(form: "plural-title") }
# unreviewed
sup-operators-button = Mostrar { -operator(form: "plural") }
# El rol de un operador, en la lista y en el selector de rol.
# unreviewed
sup-role-technician = { -technician }
# unreviewed
sup-role-supervisor = { -supervisor }
# unreviewed
sup-role-admin = { -admin }
# Un operador cuya cuenta está bloqueada por PIN incorrectos. $until: una fecha y hora.
# unreviewed
sup-operator-locked = bloqueado hasta { $until }
# unreviewed
sup-operator-active = activo
# unreviewed
sup-operator-unlock = Desbloquear
# unreviewed
sup-operator-unlocked = { $operator } desbloqueado
# unreviewed
sup-operator-id = ID
    .label = ID del nuevo { -operator }
# unreviewed
sup-operator-name = Nombre
    .label = Nombre del nuevo { -operator }
# unreviewed
sup-operator-role-label = Rol del nuevo { -operator }
# El PIN: el número secreto del operador para iniciar sesión.
# unreviewed
sup-operator-pin = PIN
# unreviewed
sup-operator-add = Agregar { -operator }
# unreviewed
sup-operator-added = { -operator(form: "title") } { $operator } agregado
# unreviewed
sup-operator-set-pin = Definir PIN
# unreviewed
sup-operator-pin-set = PIN definido para { $operator }
